/**
 * Opens the accounts database (SQLite by default, PostgreSQL when configured) and brings its
 * schema up to date. This folder is the only code that knows the SQL.
 *
 * URLs:
 *  - `sqlite:/absolute/path/pixelgate.db` — better-sqlite3, WAL journal, busy timeout, foreign keys.
 *  - `postgres://user:password@host:port/database` (or `postgresql://`) — a pg Pool.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseSchema } from './database-schema.ts';
import { staticMigrationProvider } from './migrations.ts';

export type DatabaseDialectName = 'sqlite' | 'postgres';

export interface Database {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: DatabaseDialectName;
  /** Closes the connection (SQLite) or ends the pool (PostgreSQL). */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  readonly url: string;
  /** How long a SQLite writer waits for a lock held by another process. */
  readonly sqliteBusyTimeoutMs?: number;
}

const defaultSqliteBusyTimeoutMs = 5_000;

/** The SQLite URL of the database kept in a data directory, as the server and CLI both use it. */
export function databaseUrlForDataDirectory(dataDirectory: string): string {
  return `sqlite:${path.resolve(dataDirectory, 'pixelgate.db')}`;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const database = createDatabase(options);
  try {
    await migrateWithRetry(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

function createDatabase(options: OpenDatabaseOptions): Database {
  const { url } = options;
  if (url.startsWith('sqlite:')) {
    return openSqlite(url.slice('sqlite:'.length), options.sqliteBusyTimeoutMs ?? defaultSqliteBusyTimeoutMs);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return openPostgres(url);
  }
  throw new Error(`Unsupported database URL "${redactUrl(url)}": expected sqlite:/absolute/path.db or postgres://…`);
}

function openSqlite(filePath: string, busyTimeoutMs: number): Database {
  if (!path.isAbsolute(filePath)) {
    throw new Error(`SQLite database URL must hold an absolute path, got "sqlite:${filePath}"`);
  }
  const connection = new BetterSqlite3(filePath);
  connection.pragma('journal_mode = WAL');
  connection.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  connection.pragma('foreign_keys = ON');
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: connection }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

const postgresInt8Oid = 20;

/**
 * pg returns BIGINT (and `count(*)`) as strings to avoid precision loss. Every BIGINT we store
 * is an epoch-millisecond timestamp or a count, far below 2^53, so they become numbers here,
 * in one place, and an out-of-range value fails loudly instead of rounding.
 */
function parsePostgresInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`BIGINT value ${text} does not fit in a JavaScript number`);
  }
  return value;
}

const postgresTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === postgresInt8Oid && format !== 'binary') return parsePostgresInt8;
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, types: postgresTypes });
  // An idle client losing its connection emits on the pool; without a listener the process dies.
  pool.on('error', () => {});
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/**
 * Kysely takes no migration lock on SQLite, so a server and a CLI opening a fresh file at the
 * same moment can race (about 1 start in 30 in a six-process test) and one fails with "table
 * already exists" or SQLITE_BUSY. Retrying lets the loser see the winner's finished migrations.
 * PostgreSQL migrations are serialised by Kysely's lock and are not retried.
 */
async function migrateWithRetry(database: Database): Promise<void> {
  const attempts = database.dialect === 'sqlite' ? 3 : 1;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await migrateToLatest(database);
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

async function migrateToLatest(database: Database): Promise<void> {
  const migrator = new Migrator({
    db: database.db,
    provider: staticMigrationProvider,
    // Kysely looks for its migration tables in every schema unless told which one; name the
    // schema the tables are created in, so two schemas in one database never see each other's.
    migrationTableSchema: database.dialect === 'postgres' ? await currentPostgresSchema(database.db) : undefined,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration ${failed ?? '(unknown)'} failed: ${detail}`, { cause: error });
  }
}

async function currentPostgresSchema(db: Kysely<DatabaseSchema>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema == null) throw new Error('PostgreSQL search_path names no existing schema to create tables in');
  return schema;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

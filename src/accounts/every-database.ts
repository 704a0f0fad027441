/**
 * Test support: runs one database-backed suite on every dialect the accounts module serves —
 * a fresh SQLite file, and PostgreSQL when `PIXELGATE_TEST_POSTGRES_URL` is set (each test in
 * its own schema, dropped afterwards). Without that variable the PostgreSQL run is reported as
 * skipped with the reason, never passed silently. `.ci/run` starts PostgreSQL and sets it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { openDatabase, type Database } from './database.ts';

export interface DatabaseFixture {
  readonly database: Database;
  /** Closes the database (if still open) and removes what the fixture created. */
  dispose(): Promise<void>;
}

export type OpenDatabaseFixture = () => Promise<DatabaseFixture>;

async function openSqliteFixture(): Promise<DatabaseFixture> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'pixelgate-db-'));
  const database = await openDatabase({ url: `sqlite:${path.join(directory, 'pixelgate.db')}` });
  return {
    database,
    async dispose() {
      await database.close().catch(() => {});
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

async function openPostgresFixture(postgresUrl: string): Promise<DatabaseFixture> {
  const schema = `pixelgate_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  const dropSchema = async () => {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  };
  try {
    await admin.query(`create schema ${schema}`);
    const url = new URL(postgresUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const database = await openDatabase({ url: url.toString() });
    return {
      database,
      async dispose() {
        await database.close().catch(() => {});
        await dropSchema();
      },
    };
  } catch (error) {
    await dropSchema();
    throw error;
  }
}

export function describeOnEveryDatabase(subject: string, defineSuite: (open: OpenDatabaseFixture) => void): void {
  describe(`${subject} on SQLite`, () => defineSuite(openSqliteFixture));
  const postgresUrl = process.env.PIXELGATE_TEST_POSTGRES_URL;
  describe(`${subject} on PostgreSQL`, () => {
    if (!postgresUrl) {
      test('PostgreSQL suite', (t) => {
        t.skip('PIXELGATE_TEST_POSTGRES_URL is not set; set it to postgres://user:password@host/database to run this suite');
      });
      return;
    }
    defineSuite(() => openPostgresFixture(postgresUrl));
  });
}

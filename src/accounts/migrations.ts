/**
 * The one ordered migration list, applied to SQLite and PostgreSQL alike by `openDatabase`.
 * Migrations are never edited once committed; a change is a new entry. Names sort in order.
 * Only portable DDL is used here (no dialect defaults, no booleans).
 */
import type { Kysely, Migration, MigrationProvider } from 'kysely';

export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_create_api_keys': {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('prefix', 'text', (column) => column.notNull())
        .addColumn('secret_hash', 'text', (column) => column.notNull().unique())
        .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('last_used_at_ms', 'bigint')
        .addColumn('revoked_at_ms', 'bigint')
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('api_keys').execute();
    },
  },
});

/** Serves `migrations` to Kysely's Migrator without touching the file system. */
export const staticMigrationProvider: MigrationProvider = {
  async getMigrations() {
    return { ...migrations };
  },
};

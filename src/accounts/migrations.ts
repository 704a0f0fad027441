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
  '0002_key_limits_credit_and_usage': {
    async up(db: Kysely<any>): Promise<void> {
      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      await db.schema.alterTable('api_keys').addColumn('allowed_models', 'text').execute();
      await db.schema.alterTable('api_keys').addColumn('requests_per_minute', 'integer').execute();
      await db.schema.alterTable('api_keys').addColumn('max_concurrent_edits', 'integer').execute();
      await db.schema.alterTable('api_keys').addColumn('credit_micro_usd', 'bigint').execute();
      await db.schema.alterTable('api_keys').addColumn('reserved_micro_usd', 'bigint', (column) => column.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('api_keys').addColumn('spent_micro_usd', 'bigint', (column) => column.notNull().defaultTo(0)).execute();
      await db.schema
        .createTable('usage_records')
        .addColumn('request_id', 'text', (column) => column.primaryKey())
        .addColumn('key_id', 'text')
        .addColumn('model', 'text', (column) => column.notNull())
        .addColumn('channel', 'text')
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('http_status', 'integer', (column) => column.notNull())
        .addColumn('latency_ms', 'bigint', (column) => column.notNull())
        .addColumn('images', 'integer', (column) => column.notNull())
        .addColumn('input_tokens', 'bigint', (column) => column.notNull())
        .addColumn('output_tokens', 'bigint', (column) => column.notNull())
        .addColumn('text_tokens', 'bigint', (column) => column.notNull())
        .addColumn('image_tokens', 'bigint', (column) => column.notNull())
        .addColumn('cost_micro_usd', 'bigint', (column) => column.notNull())
        .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('usage_records_created_at').on('usage_records').column('created_at_ms').execute();
      await db.schema.createIndex('usage_records_key_created_at').on('usage_records').columns(['key_id', 'created_at_ms']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('usage_records').execute();
      for (const column of ['allowed_models', 'requests_per_minute', 'max_concurrent_edits', 'credit_micro_usd', 'reserved_micro_usd', 'spent_micro_usd']) {
        await db.schema.alterTable('api_keys').dropColumn(column).execute();
      }
    },
  },
  '0003_edit_tasks_and_idempotency_records': {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('edit_tasks')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('scope', 'text', (column) => column.notNull())
        .addColumn('request_id', 'text', (column) => column.notNull())
        .addColumn('key_id', 'text')
        .addColumn('model', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('updated_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('completed_at_ms', 'bigint')
        .addColumn('expires_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('owner', 'text', (column) => column.notNull())
        .addColumn('lease_until_ms', 'bigint', (column) => column.notNull())
        .addColumn('reserved_micro_usd', 'bigint', (column) => column.notNull())
        .addColumn('answer', 'text')
        .execute();
      await db.schema.createIndex('edit_tasks_status_lease').on('edit_tasks').columns(['status', 'lease_until_ms']).execute();
      await db.schema.createIndex('edit_tasks_expires_at').on('edit_tasks').column('expires_at_ms').execute();
      await db.schema
        .createTable('idempotency_records')
        .addColumn('scope', 'text', (column) => column.notNull())
        .addColumn('idempotency_key', 'text', (column) => column.notNull())
        .addColumn('fingerprint', 'text', (column) => column.notNull())
        .addColumn('request_id', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('answer', 'text')
        .addColumn('owner', 'text', (column) => column.notNull())
        .addColumn('lease_until_ms', 'bigint', (column) => column.notNull())
        .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('expires_at_ms', 'bigint', (column) => column.notNull())
        .addPrimaryKeyConstraint('idempotency_records_pkey', ['scope', 'idempotency_key'])
        .execute();
      await db.schema.createIndex('idempotency_records_expires_at').on('idempotency_records').column('expires_at_ms').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('idempotency_records').execute();
      await db.schema.dropTable('edit_tasks').execute();
    },
  },
  '0004_open_reservations': {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('open_reservations')
        .addColumn('request_id', 'text', (column) => column.primaryKey())
        .addColumn('key_id', 'text', (column) => column.notNull())
        .addColumn('model', 'text', (column) => column.notNull())
        .addColumn('amount_micro_usd', 'bigint', (column) => column.notNull())
        .addColumn('owner', 'text', (column) => column.notNull())
        .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('open_reservations_owner').on('open_reservations').column('owner').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('open_reservations').execute();
    },
  },
  '0005_uploaded_files': {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('uploaded_files')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('scope', 'text', (column) => column.notNull())
        .addColumn('filename', 'text', (column) => column.notNull())
        .addColumn('purpose', 'text', (column) => column.notNull())
        .addColumn('bytes', 'bigint', (column) => column.notNull())
        .addColumn('blob_key', 'text', (column) => column.notNull())
        .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('expires_at_ms', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('uploaded_files_expires_at').on('uploaded_files').column('expires_at_ms').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('uploaded_files').execute();
    },
  },
});

/** Serves `migrations` to Kysely's Migrator without touching the file system. */
export const staticMigrationProvider: MigrationProvider = {
  async getMigrations() {
    return { ...migrations };
  },
};

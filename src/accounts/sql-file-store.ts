/** `FileStore` on the accounts database (SQLite or PostgreSQL, one query code). */
import type { Selectable } from 'kysely';
import type { Database } from './database.ts';
import type { UploadedFilesTable } from './database-schema.ts';
import type { FileStore, UploadedFileRecord } from './file-store.ts';

function toRecord(row: Selectable<UploadedFilesTable>): UploadedFileRecord {
  return {
    id: row.id,
    scope: row.scope,
    filename: row.filename,
    purpose: row.purpose,
    bytes: Number(row.bytes),
    blobKey: row.blob_key,
    createdAtMs: Number(row.created_at_ms),
    expiresAtMs: Number(row.expires_at_ms),
  };
}

export class SqlFileStore implements FileStore {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  async create(file: UploadedFileRecord): Promise<void> {
    await this.#database.db
      .insertInto('uploaded_files')
      .values({
        id: file.id,
        scope: file.scope,
        filename: file.filename,
        purpose: file.purpose,
        bytes: file.bytes,
        blob_key: file.blobKey,
        created_at_ms: file.createdAtMs,
        expires_at_ms: file.expiresAtMs,
      })
      .execute();
  }

  async find(scope: string, id: string, nowMs: number): Promise<UploadedFileRecord | null> {
    const row = await this.#database.db
      .selectFrom('uploaded_files')
      .selectAll()
      .where('id', '=', id)
      .where('scope', '=', scope)
      .where('expires_at_ms', '>', nowMs)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async delete(scope: string, id: string): Promise<UploadedFileRecord | null> {
    return this.#database.db.transaction().execute(async (transaction) => {
      const row = await transaction.selectFrom('uploaded_files').selectAll().where('id', '=', id).where('scope', '=', scope).executeTakeFirst();
      if (!row) return null;
      await transaction.deleteFrom('uploaded_files').where('id', '=', id).execute();
      return toRecord(row);
    });
  }

  async deleteExpired(nowMs: number): Promise<UploadedFileRecord[]> {
    const rows = await this.#database.db.deleteFrom('uploaded_files').where('expires_at_ms', '<=', nowMs).returningAll().execute();
    return rows.map(toRecord);
  }
}

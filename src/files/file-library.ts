/**
 * `FileLibrary`: the files API's service — uploads kept in the blob store with their records in
 * the database, owned by the key that uploaded them, expiring after `retentionSeconds` (or the
 * upload's `expires_after`). It also resolves the `file_id`s of JSON edits for their owner.
 * Answers are OpenAI's `FileObject` shape.
 */
import { randomBytes } from 'node:crypto';
import type { FileStore, UploadedFileRecord } from '../accounts/file-store.ts';
import type { BlobStore } from '../storage/blob-store.ts';

export interface FileObject {
  readonly id: string;
  readonly object: 'file';
  readonly bytes: number;
  /** Unix seconds. */
  readonly created_at: number;
  readonly expires_at: number;
  readonly filename: string;
  readonly purpose: string;
  /** Deprecated by OpenAI, still sent: always `processed` here. */
  readonly status: 'processed';
  readonly status_details: null;
}

export interface FileLibraryOptions {
  readonly store: FileStore;
  readonly blobStore: BlobStore;
  readonly clock: () => number;
  readonly retentionSeconds: number;
}

const base62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function newFileId(): string {
  const bytes = randomBytes(24);
  let id = 'file-';
  for (const byte of bytes) id += base62[byte % 62];
  return id;
}

function toFileObject(record: UploadedFileRecord): FileObject {
  return {
    id: record.id,
    object: 'file',
    bytes: record.bytes,
    created_at: Math.floor(record.createdAtMs / 1000),
    expires_at: Math.floor(record.expiresAtMs / 1000),
    filename: record.filename,
    purpose: record.purpose,
    status: 'processed',
    status_details: null,
  };
}

async function readAll(body: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export class FileLibrary {
  readonly #options: FileLibraryOptions;

  constructor(options: FileLibraryOptions) {
    this.#options = options;
  }

  /** Keeps the bytes; `expiresAfterSeconds` (when given) shortens the retention. */
  async upload(scope: string, upload: { readonly filename: string; readonly purpose: string; readonly bytes: Buffer; readonly contentType: string; readonly expiresAfterSeconds: number | null }): Promise<FileObject> {
    const { store, blobStore, clock, retentionSeconds } = this.#options;
    const createdAtMs = clock();
    const keepSeconds = Math.min(upload.expiresAfterSeconds ?? retentionSeconds, retentionSeconds);
    const id = newFileId();
    const record: UploadedFileRecord = {
      id,
      scope,
      filename: upload.filename,
      purpose: upload.purpose,
      bytes: upload.bytes.length,
      blobKey: `file_${randomBytes(16).toString('hex')}`,
      createdAtMs,
      expiresAtMs: createdAtMs + keepSeconds * 1000,
    };
    await blobStore.put(record.blobKey, upload.bytes, { contentType: upload.contentType, expiresAtMs: record.expiresAtMs });
    await store.create(record);
    return toFileObject(record);
  }

  async retrieve(scope: string, id: string): Promise<FileObject | null> {
    const record = await this.#options.store.find(scope, id, this.#options.clock());
    return record ? toFileObject(record) : null;
  }

  /** The file's bytes and type, for its owner. */
  async content(scope: string, id: string): Promise<{ readonly bytes: Buffer; readonly contentType: string; readonly filename: string } | null> {
    const { store, blobStore, clock } = this.#options;
    const record = await store.find(scope, id, clock());
    if (!record) return null;
    const blob = await blobStore.get(record.blobKey, clock());
    if (!blob) return null;
    return { bytes: await readAll(blob.body), contentType: blob.contentType, filename: record.filename };
  }

  /** For a JSON edit's `file_id` (`UploadedFiles`). */
  async find(scope: string, id: string): Promise<{ readonly bytes: Buffer; readonly filename: string } | null> {
    return this.content(scope, id);
  }

  async delete(scope: string, id: string): Promise<boolean> {
    const record = await this.#options.store.delete(scope, id);
    if (!record) return false;
    await this.#options.blobStore.delete(record.blobKey);
    return true;
  }

  /** Removes expired files and their bytes; returns how many. */
  async sweepExpired(nowMs: number): Promise<number> {
    const expired = await this.#options.store.deleteExpired(nowMs);
    for (const record of expired) await this.#options.blobStore.delete(record.blobKey).catch(() => {});
    return expired.length;
  }
}

/**
 * Where result images live between the response that names them and their expiry.
 * The disk store is the default; an S3 store can implement the same interface.
 * Keys are opaque ids made by the server (never client input), and every implementation
 * refuses a key that could escape its root.
 */
import type { Readable } from 'node:stream';

export interface StoredBlobInfo {
  readonly contentType: string;
  readonly byteLength: number;
  /** Epoch milliseconds after which the blob must not be served. */
  readonly expiresAtMs: number;
}

export interface StoredBlob extends StoredBlobInfo {
  readonly body: Readable;
}

export interface BlobStore {
  /** Stores the bytes durably (written and renamed into place) before resolving. */
  put(key: string, bytes: Buffer, info: { contentType: string; expiresAtMs: number }): Promise<void>;
  /** The blob, or null when it is missing or expired (an expired blob is removed). */
  get(key: string, nowMs: number): Promise<StoredBlob | null>;
  delete(key: string): Promise<void>;
  /** Removes every blob expired at `nowMs`; returns how many were removed. */
  sweepExpired(nowMs: number): Promise<number>;
}

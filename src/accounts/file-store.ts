/**
 * Where the records of uploaded files (`POST /v1/files`) live; the bytes are in the blob store
 * under `blobKey`. A file belongs to the scope that uploaded it: another scope's file looks
 * like none.
 */
export interface UploadedFileRecord {
  readonly id: string;
  readonly scope: string;
  readonly filename: string;
  readonly purpose: string;
  readonly bytes: number;
  readonly blobKey: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
}

export interface FileStore {
  create(file: UploadedFileRecord): Promise<void>;
  /** The file when `scope` uploaded it and it has not expired at `nowMs`; null otherwise. */
  find(scope: string, id: string, nowMs: number): Promise<UploadedFileRecord | null>;
  /** Removes `scope`'s file; the removed record, or null when there was none. */
  delete(scope: string, id: string): Promise<UploadedFileRecord | null>;
  /** Removes every file expired at `nowMs`; returns their records (to delete their blobs). */
  deleteExpired(nowMs: number): Promise<UploadedFileRecord[]>;
}

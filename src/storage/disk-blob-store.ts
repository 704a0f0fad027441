/**
 * `BlobStore` on the local file system, rooted at one directory (`DATA_DIR/results`).
 *
 * Each blob is one file, `<key>.blob`: an 8-byte preamble (`PGB1` + header length as uint32
 * big-endian), a small JSON header `{ contentType, expiresAtMs }`, then the bytes. One file means
 * one rename publishes data and metadata together. Writes go to `<key>.tmp-<random>`, are
 * fsynced, renamed into place, and the directory is fsynced; keys cannot contain `.`, so a
 * temporary name is never a key and is never served.
 *
 * `get` hands back an open file as `body`: consume it or `destroy()` it, or the descriptor stays
 * open until garbage collection. A blob swept while being read is still read to the end.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore, StoredBlob } from './blob-store.ts';

export const blobKeyPattern = /^[A-Za-z0-9_-]{8,128}$/;
const blobFileSuffix = '.blob';
const temporaryMarker = '.tmp-';
const magic = Buffer.from('PGB1', 'ascii');
const preambleLength = 8;
const maximumHeaderLength = 4096;
/** Temporary files older than this are leftovers of a crashed write; `sweepExpired` removes them. */
export const staleTemporaryFileAgeMs = 60 * 60 * 1000;

interface BlobHeader {
  readonly contentType: string;
  readonly expiresAtMs: number;
}

function isExpired(header: BlobHeader, nowMs: number): boolean {
  return nowMs > header.expiresAtMs;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

export class DiskBlobStore implements BlobStore {
  readonly #rootDirectory: string;
  #rootCreated: Promise<unknown> | undefined;

  constructor(rootDirectory: string) {
    this.#rootDirectory = path.resolve(rootDirectory);
  }

  async put(key: string, bytes: Buffer, info: { contentType: string; expiresAtMs: number }): Promise<void> {
    const finalPath = this.#pathFor(key);
    if (!Number.isFinite(info.expiresAtMs)) throw new Error(`expiresAtMs must be a finite number, got ${info.expiresAtMs}`);
    const header = Buffer.from(JSON.stringify({ contentType: info.contentType, expiresAtMs: info.expiresAtMs }), 'utf8');
    if (header.length > maximumHeaderLength) throw new Error('Blob content type is too long');
    const preamble = Buffer.alloc(preambleLength);
    magic.copy(preamble, 0);
    preamble.writeUInt32BE(header.length, 4);

    this.#rootCreated ??= fs.mkdir(this.#rootDirectory, { recursive: true });
    await this.#rootCreated;
    const temporaryPath = path.join(this.#rootDirectory, `${key}${temporaryMarker}${crypto.randomBytes(8).toString('hex')}`);
    try {
      const handle = await fs.open(temporaryPath, 'wx', 0o644);
      try {
        await handle.writev([preamble, header, bytes]);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temporaryPath, finalPath);
    } catch (error) {
      await fs.rm(temporaryPath, { force: true });
      throw error;
    }
    await syncDirectory(this.#rootDirectory);
  }

  async get(key: string, nowMs: number): Promise<StoredBlob | null> {
    const blobPath = this.#pathFor(key);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(blobPath, 'r');
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    try {
      const { header, bodyOffset } = await readHeader(handle, blobPath);
      if (isExpired(header, nowMs)) {
        await handle.close();
        await fs.rm(blobPath, { force: true });
        return null;
      }
      const { size } = await handle.stat();
      // The stream owns the handle from here and closes it when it ends or is destroyed.
      const body = handle.createReadStream({ start: bodyOffset });
      return { body, contentType: header.contentType, byteLength: size - bodyOffset, expiresAtMs: header.expiresAtMs };
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.#pathFor(key), { force: true });
  }

  async sweepExpired(nowMs: number): Promise<number> {
    let names: string[];
    try {
      names = await fs.readdir(this.#rootDirectory);
    } catch (error) {
      if (isMissing(error)) return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names) {
      const filePath = path.join(this.#rootDirectory, name);
      if (name.includes(temporaryMarker)) {
        await removeIfStale(filePath, nowMs);
      } else if (name.endsWith(blobFileSuffix) && (await removeIfExpired(filePath, nowMs))) {
        removed += 1;
      }
    }
    return removed;
  }

  #pathFor(key: string): string {
    if (typeof key !== 'string' || !blobKeyPattern.test(key)) {
      throw new Error(`Invalid blob key ${JSON.stringify(key)}: expected ${blobKeyPattern}`);
    }
    const resolved = path.resolve(this.#rootDirectory, `${key}${blobFileSuffix}`);
    if (path.dirname(resolved) !== this.#rootDirectory) throw new Error(`Blob key ${JSON.stringify(key)} escapes the store`);
    return resolved;
  }
}

class ForeignBlobFileError extends Error {
  constructor(blobPath: string) {
    super(`Blob file ${blobPath} is not a Pixelgate blob`);
  }
}

async function readHeader(handle: fs.FileHandle, blobPath: string): Promise<{ header: BlobHeader; bodyOffset: number }> {
  const preamble = Buffer.alloc(preambleLength);
  const { bytesRead } = await handle.read(preamble, 0, preambleLength, 0);
  const headerLength = preamble.readUInt32BE(4);
  if (bytesRead !== preambleLength || !preamble.subarray(0, 4).equals(magic) || headerLength > maximumHeaderLength) {
    throw new ForeignBlobFileError(blobPath);
  }
  const headerBytes = Buffer.alloc(headerLength);
  await handle.read(headerBytes, 0, headerLength, preambleLength);
  let header: BlobHeader;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as BlobHeader;
  } catch {
    throw new ForeignBlobFileError(blobPath);
  }
  if (typeof header?.contentType !== 'string' || typeof header.expiresAtMs !== 'number') throw new ForeignBlobFileError(blobPath);
  return { header, bodyOffset: preambleLength + headerLength };
}

async function removeIfExpired(filePath: string, nowMs: number): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(filePath, 'r');
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  let expired: boolean;
  try {
    expired = isExpired((await readHeader(handle, filePath)).header, nowMs);
  } catch (error) {
    // A file we did not write must not stop the sweep of every blob after it; `get` reports it.
    if (error instanceof ForeignBlobFileError) return false;
    throw error;
  } finally {
    await handle.close();
  }
  if (expired) await fs.rm(filePath, { force: true });
  return expired;
}

async function removeIfStale(filePath: string, nowMs: number): Promise<void> {
  try {
    const { mtimeMs } = await fs.stat(filePath);
    if (nowMs - mtimeMs > staleTemporaryFileAgeMs) await fs.rm(filePath, { force: true });
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}

/** Makes the rename itself durable: on Linux a new directory entry survives a crash only once the directory is fsynced. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

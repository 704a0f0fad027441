/**
 * `BlobStore` on S3-compatible object storage (AWS S3, Cloudflare R2, MinIO), so every node
 * serves the results, answers and files any other node stored. Each blob is one object under
 * `prefix`, its expiry in the object's metadata; an expired object is never served and is
 * deleted when read or swept. For large volumes add a bucket lifecycle rule on the prefix as
 * well (the sweep lists and inspects every object). Settings from stack.md: path-style URLs and
 * checksums only when required — with the SDK's defaults streamed uploads were stored corrupted.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { BlobStore, StoredBlob } from './blob-store.ts';

export interface S3BlobStoreOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket (e.g. `pixelgate/results/`). */
  readonly prefix: string;
  readonly region: string;
  /** Custom endpoint (MinIO, R2, a test server); absent: AWS S3. */
  readonly endpoint?: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const keyPattern = /^[A-Za-z0-9_.-]{1,200}$/;
const expiryMetadata = 'expires-at-ms';

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
}

export class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #options: S3BlobStoreOptions;

  constructor(options: S3BlobStoreOptions) {
    this.#options = options;
    this.#client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    });
  }

  #objectKey(key: string): string {
    // Keys are made by the server, never by clients; anything else is refused before S3 sees it.
    if (!keyPattern.test(key)) throw new Error(`invalid blob key: ${JSON.stringify(key.slice(0, 40))}`);
    return `${this.#options.prefix}${key}`;
  }

  async put(key: string, bytes: Buffer, info: { contentType: string; expiresAtMs: number }): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#options.bucket,
        Key: this.#objectKey(key),
        Body: bytes,
        ContentLength: bytes.length,
        ContentType: info.contentType,
        Metadata: { [expiryMetadata]: String(info.expiresAtMs) },
      }),
    );
  }

  async get(key: string, nowMs: number): Promise<StoredBlob | null> {
    let object;
    try {
      object = await this.#client.send(new GetObjectCommand({ Bucket: this.#options.bucket, Key: this.#objectKey(key) }));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    const expiresAtMs = Number(object.Metadata?.[expiryMetadata] ?? 0);
    const body = object.Body as Readable;
    if (!(expiresAtMs >= nowMs)) {
      body.destroy();
      await this.delete(key);
      return null;
    }
    return { contentType: object.ContentType ?? 'application/octet-stream', byteLength: Number(object.ContentLength ?? 0), expiresAtMs, body };
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#options.bucket, Key: this.#objectKey(key) }));
  }

  async sweepExpired(nowMs: number): Promise<number> {
    let removed = 0;
    let continuationToken: string | undefined;
    do {
      const page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.#options.bucket, Prefix: this.#options.prefix, ContinuationToken: continuationToken }));
      for (const entry of page.Contents ?? []) {
        if (!entry.Key) continue;
        try {
          const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#options.bucket, Key: entry.Key }));
          if (Number(head.Metadata?.[expiryMetadata] ?? 0) >= nowMs) continue;
        } catch (error) {
          if (isNotFound(error)) continue;
          throw error;
        }
        await this.#client.send(new DeleteObjectCommand({ Bucket: this.#options.bucket, Key: entry.Key }));
        removed += 1;
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return removed;
  }

  /** Resolves when the bucket answers. */
  async ping(): Promise<void> {
    await this.#client.send(new HeadBucketCommand({ Bucket: this.#options.bucket }));
  }

  close(): void {
    this.#client.destroy();
  }
}

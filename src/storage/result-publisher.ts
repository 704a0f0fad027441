/**
 * Publishes result images for `response_format=url`: stores each one durably, then returns
 * its signed path. A result is stored before the response that names it is sent, and its
 * URL stops working (and the file is removed) once `ttlSeconds` have passed.
 */
import { randomBytes } from 'node:crypto';
import type { BlobStore } from './blob-store.ts';
import { signResultPath } from './signed-result-url.ts';

const contentTypes: Readonly<Record<string, string>> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', svg: 'image/svg+xml' };

export class ResultPublisher {
  constructor(
    private readonly blobStore: BlobStore,
    private readonly signingSecret: Buffer,
    private readonly ttlSeconds: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Stores the image and returns its signed path (`/v1/results/<key>?expires=…&signature=…`). */
  async publish(bytes: Buffer, format: string): Promise<string> {
    const key = `img_${randomBytes(16).toString('hex')}`;
    const expiresAtMs = this.clock() + this.ttlSeconds * 1000;
    await this.blobStore.put(key, bytes, { contentType: contentTypes[format] ?? 'application/octet-stream', expiresAtMs });
    return signResultPath(key, expiresAtMs, this.signingSecret);
  }
}

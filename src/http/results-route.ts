/**
 * `GET /v1/results/:key` serves a stored `url` result to whoever holds its signed URL, until
 * it expires; after that it answers 404 and the file is removed. A bad signature is answered
 * exactly like a missing result, so URLs cannot be probed.
 */
import type { FastifyInstance } from 'fastify';
import type { BlobStore } from '../storage/blob-store.ts';
import { verifyResultSignature } from '../storage/signed-result-url.ts';
import { apiError } from '../openai/error-catalogue.ts';

export function registerResultsRoute(app: FastifyInstance, blobStore: BlobStore, signingSecret: Buffer, clock: () => number): void {
  app.get('/v1/results/:key', async (request, reply) => {
    const { key } = request.params as { key: string };
    const query = request.query as Record<string, string | undefined>;
    const now = clock();
    const verdict = verifyResultSignature(key, query.expires ?? '', query.signature ?? '', signingSecret, now);
    if (verdict === 'expired') await blobStore.delete(key).catch(() => undefined);
    if (verdict !== 'valid') throw apiError('result_not_found');
    const blob = await blobStore.get(key, now);
    if (!blob) throw apiError('result_not_found');
    const maxAgeSeconds = Math.max(0, Math.floor((blob.expiresAtMs - now) / 1000));
    // An image is only ever shown, never run: an SVG's scripts and links stay inert in a browser.
    reply.header('content-security-policy', "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox");
    reply.header('x-content-type-options', 'nosniff');
    return reply
      .type(blob.contentType)
      .header('content-length', String(blob.byteLength))
      .header('cache-control', `private, max-age=${maxAgeSeconds}`)
      .send(blob.body);
  });
}

/**
 * HTTP/1.1 requires `Host` (RFC 9112 §3.2). Node's own check answers outside the envelope, so it
 * is turned off (`requireHostHeader: false` in app.ts) and done here, first of all hooks.
 */
import type { FastifyInstance } from 'fastify';
import { apiError } from '../openai/error-catalogue.ts';

export function registerHostHeaderCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && !request.headers.host) {
      throw apiError('malformed_http_request', { reason: 'it has no Host header' });
    }
  });
}

/**
 * `server.bodyTimeoutMs` for the bodies Fastify reads itself (JSON and every other parsed content
 * type): a body that has not wholly arrived in time — a `Content-Length` larger than what is
 * sent, a client that stalls — is answered with the `request_timeout` 408 envelope and the
 * connection is closed after it (render-api-error.ts). Multipart bodies are read by the edits
 * route, which applies the same limit itself (read-multipart-form.ts), so they pass untouched.
 *
 * The body is passed through a stream of our own that the timer can fail without destroying
 * the socket: destroying the request itself would close the connection before the 408 is written.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { apiError } from '../openai/error-catalogue.ts';

/** Methods whose body Fastify never reads (its own list); Node discards such bodies itself. */
const bodylessMethods = new Set(['GET', 'HEAD', 'TRACE']);

export function registerBodyTimeout(app: FastifyInstance, bodyTimeoutMs: number): void {
  app.addHook('preParsing', async (request, reply, payload: Readable) => {
    if (bodylessMethods.has(request.method) || request.raw.complete) return payload;
    // `request.isMultipart()` is only known after parsing; the multipart parser reads `request.raw`.
    if (/^\s*multipart\//i.test(request.headers['content-type'] ?? '')) return payload;
    const timed = new PassThrough();
    // Fastify stops listening once it has refused a body (too large, unknown content type);
    // a late failure must not become an unhandled 'error'.
    timed.on('error', () => undefined);
    const timer = setTimeout(() => {
      payload.unpipe(timed);
      timed.destroy(apiError('request_timeout', { timeoutMs: bodyTimeoutMs }));
    }, bodyTimeoutMs);
    timer.unref();
    const stop = () => clearTimeout(timer);
    timed.once('end', stop);
    timed.once('close', stop);
    // Answered before the body was read (refused, or a route that ignores it): let Node discard
    // the rest, as it would have without this stream.
    reply.raw.once('close', () => {
      stop();
      payload.unpipe(timed);
      payload.resume();
    });
    // The client went away mid-body: nobody will read the answer, but it is not a server error.
    const clientGone = () =>
      timed.destroy(apiError('malformed_http_request', { reason: 'the connection closed before the request body was complete' }));
    payload.once('error', clientGone);
    payload.once('aborted', clientGone);
    payload.pipe(timed);
    return timed;
  });
}

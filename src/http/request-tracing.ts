/**
 * One server span per request (when tracing is on), named by method and route pattern, with the
 * request id; it ends when the response is finished or the connection closes — streamed and
 * hijacked responses included. Routes open child spans through `request.trace`.
 */
import type { FastifyInstance } from 'fastify';
import { noEditTrace, type EditTrace } from '../observability/edit-trace.ts';
import type { Tracing } from '../observability/tracing.ts';
import { urlWithoutQuery } from './url-without-query.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Null until the onRequest hook ran (and for requests Node refused before routing). */
    trace: EditTrace | null;
  }
}

/** The request's trace, or the no-op one. */
export function traceOf(request: { readonly trace: EditTrace | null }): EditTrace {
  return request.trace ?? noEditTrace;
}

export function registerRequestTracing(app: FastifyInstance, tracing: Tracing): void {
  app.decorateRequest('trace', null);
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const started = tracing.startRequest(`${request.method} ${route}`, request.headers, {
      'http.request.method': request.method,
      'http.route': route,
      'url.path': urlWithoutQuery(request.url).slice(0, 256),
      'pixelgate.request_id': request.id,
    });
    request.trace = started.trace;
    reply.raw.once('close', () => started.end(reply.raw.statusCode));
  });
}

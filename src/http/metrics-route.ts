/**
 * Prometheus metrics over HTTP: `GET /metrics` on the main port (admin key), and — when
 * `metrics.listenPort` is set — on a separate listener without authentication, for a scraper
 * on a private network. Every answered request is counted here by its route pattern (never its
 * raw URL, so labels stay bounded), with its latency; edit uploads by their declared size.
 */
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { PixelgateMetrics } from '../observability/pixelgate-metrics.ts';

export interface MetricsRouteOptions {
  readonly listenPort: number | null;
  readonly listenHost: string;
}

export function registerMetricsRoute(app: FastifyInstance, metrics: PixelgateMetrics, options: MetricsRouteOptions): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestAnswered(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    if (route.startsWith('/v1/images/edits')) metrics.uploadReceived(Number(request.headers['content-length'] ?? 0) || 0);
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.contentType);
    reply.header('cache-control', 'no-store');
    return metrics.render();
  });

  if (options.listenPort === null) return;
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.render().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  app.addHook('onReady', () => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort!, options.listenHost, () => {
      server.off('error', reject);
      app.log.info({ address: server.address() }, 'metrics listening');
      resolve();
    });
  }));
  app.addHook('onClose', () => new Promise<void>((resolve) => server.close(() => resolve())));
}

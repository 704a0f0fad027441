/**
 * The web console: static pages from `web/`, talking to the HTTP API like any client.
 * `GET /` is the edit playground, `GET /admin` (exactly; the admin API lives under `/admin/...`)
 * the admin page, and `/console/...` their scripts and styles. The pages are public shells:
 * they show no data until the browser holds a key the API accepts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const webConsoleDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');

/** Only this origin's own scripts and API; images may be `data:`/`blob:` (previews, results). */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

function setConsoleHeaders(setHeader: (name: string, value: string) => unknown): void {
  setHeader('content-security-policy', contentSecurityPolicy);
  setHeader('x-content-type-options', 'nosniff');
  setHeader('referrer-policy', 'no-referrer');
}

function sendPage(reply: FastifyReply, fileName: string) {
  setConsoleHeaders((name, value) => reply.header(name, value));
  reply.header('cache-control', 'no-cache');
  return reply.sendFile(fileName, { cacheControl: false });
}

export async function registerWebConsoleRoute(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: webConsoleDirectory,
    prefix: '/console/',
    index: false,
    setHeaders: (response) => setConsoleHeaders((name, value) => response.setHeader(name, value)),
  });
  app.get('/', (_request, reply) => sendPage(reply, 'index.html'));
  app.get('/admin', (_request, reply) => sendPage(reply, 'admin.html'));
}

/**
 * Headers every response carries, success or error, as OpenAI sends them:
 * `x-request-id: req_<32 hex>`, `openai-processing-ms`, `openai-version`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

export const OPENAI_VERSION = '2020-10-01';

export function newRequestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

export function registerResponseHeaders(app: FastifyInstance, clock: () => number): void {
  app.addHook('onRequest', async (request, reply) => {
    request.receivedAtMs = clock();
    reply.header('x-request-id', request.id);
    reply.header('openai-version', OPENAI_VERSION);
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('openai-processing-ms', String(Math.max(0, Math.round(clock() - (request.receivedAtMs ?? clock())))));
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    receivedAtMs?: number;
  }
}

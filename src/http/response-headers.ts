/**
 * Headers every response carries, success or error, as OpenAI sends them:
 * `x-request-id: req_<32 hex>`, `openai-processing-ms`, `openai-version`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const OPENAI_VERSION = '2020-10-01';

export function newRequestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

/** The headers set on arrival; also for answers given before any hook runs (router refusals). */
export function setResponseHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  reply.header('openai-version', OPENAI_VERSION);
}

export function registerResponseHeaders(app: FastifyInstance, clock: () => number): void {
  app.addHook('onRequest', async (request, reply) => {
    request.receivedAtMs = clock();
    setResponseHeaders(request, reply);
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

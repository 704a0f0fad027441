/**
 * `POST /v1/images/edits` (and the seed's `/v1/images/edits/`): adapts HTTP to the edit
 * pipeline (src/edits/): admit the key, read the multipart body as a stream (files spooled),
 * parse, reserve, then route and answer as JSON or as Server-Sent Events. Spooled uploads are
 * removed when the request ends, whatever happens.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EditPipeline } from '../edits/edit-pipeline.ts';
import type { EditCaller, RouteHooks } from '../edits/edit-run.ts';
import { apiError } from '../openai/error-catalogue.ts';
import { readMultipartForm, type MultipartLimits } from './read-multipart-form.ts';
import { toApiError } from './render-api-error.ts';
import { sendEditStream } from './send-edit-stream.ts';

export interface EditsRouteOptions {
  readonly pipeline: EditPipeline;
  readonly uploadsDirectory: string;
  readonly maxRequestBytes: number;
  readonly maxFormParts: number;
  readonly bodyTimeoutMs: number;
  readonly publicBaseUrl: string | null;
  readonly clock: () => number;
  /** Interval of the `: keepalive` comments on a stream before its first event. */
  readonly streamKeepaliveMs: number;
}

const MAX_FIELD_BYTES = 256 * 1024;

/** Aborted when the client goes away before the response is complete. */
function abortOnDisconnect(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller;
}

export function registerEditsRoute(app: FastifyInstance, options: EditsRouteOptions): void {
  const { pipeline } = options;
  const limits: MultipartLimits = {
    maxRequestBytes: options.maxRequestBytes,
    maxParts: options.maxFormParts,
    maxFieldBytes: MAX_FIELD_BYTES,
    bodyTimeoutMs: options.bodyTimeoutMs,
    largestFileBytes: pipeline.models.largestFileBytes(),
    fileLimit: (fieldName, partsSoFar) => pipeline.models.fileLimitFor(fieldName, partsSoFar),
  };

  const baseUrl = (request: FastifyRequest) => options.publicBaseUrl ?? `${request.protocol}://${request.host}`;

  async function handler(request: FastifyRequest, reply: FastifyReply) {
    if (!request.isMultipart()) {
      throw apiError('invalid_content_type', { received: String(request.headers['content-type'] ?? 'none') });
    }
    const declaredLength = Number(request.headers['content-length'] ?? 0);
    if (declaredLength > options.maxRequestBytes) throw apiError('request_too_large', { limitBytes: options.maxRequestBytes });
    const principal = request.principal;
    const admission = await pipeline.admit(principal?.kind === 'key' ? principal.key.id : null);
    const spoolDirectory = path.join(options.uploadsDirectory, request.id);
    try {
      const parts = await readMultipartForm(request, spoolDirectory, limits);
      const editRequest = pipeline.parse(parts);
      const caller: EditCaller = { requestId: request.id, toApiError: (error) => toApiError(error, request), log: request.log };
      const idempotencyKey = request.headers['idempotency-key'];
      if (idempotencyKey !== undefined) {
        if (Array.isArray(idempotencyKey)) throw apiError('invalid_idempotency_key', { reason: 'send it once.' });
        if (editRequest.stream) throw apiError('invalid_idempotency_key', { reason: 'not supported with stream=true yet.' });
        const scope = principal?.kind === 'key' ? principal.key.id : '@admin';
        // Not cancelled when the client goes away: the answer is kept for its retry.
        const outcome = await pipeline.idempotent(scope, idempotencyKey, request.id, parts, async () => {
          const run = await pipeline.begin(admission, caller, editRequest);
          const result = await run.route({ signal: new AbortController().signal });
          const response = await run.answer(result, baseUrl(request));
          await run.succeeded();
          return response;
        });
        if (outcome.replayed) reply.header('idempotent-replayed', 'true');
        return outcome.response;
      }
      const run = await pipeline.begin(admission, caller, editRequest);
      const { signal } = abortOnDisconnect(reply);
      if (editRequest.stream) {
        const execute = async (onPartialImage: RouteHooks['onPartialImage'], onUpstreamEvent: RouteHooks['onUpstreamEvent']) => {
          const result = await run.route({ signal, onPartialImage, onUpstreamEvent });
          await run.succeeded();
          return result;
        };
        await sendEditStream(request, reply, editRequest, execute, options.clock, options.streamKeepaliveMs);
        return reply;
      }
      const result = await run.route({ signal });
      const response = await run.answer(result, baseUrl(request));
      await run.succeeded();
      return response;
    } finally {
      admission.release();
      await rm(spoolDirectory, { recursive: true, force: true });
    }
  }

  for (const url of ['/v1/images/edits', '/v1/images/edits/']) app.post(url, handler);
}

/**
 * `POST /v1/images/edits` (and the seed's `/v1/images/edits/`): adapts HTTP to the edit
 * pipeline (src/edits/): admit the key, read the multipart body as a stream (files spooled),
 * parse, reserve, then route and answer as JSON, as Server-Sent Events, or — with `Prefer:
 * respond-async` — as a 202 task that runs in the background. `Idempotency-Key` runs the
 * request once and replays its answer. An edit that has begun runs to its end even when the
 * client leaves. Spooled uploads are removed when the request (or its task) ends.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EditPipeline } from '../edits/edit-pipeline.ts';
import type { EditCaller, RouteHooks } from '../edits/edit-run.ts';
import { apiError } from '../openai/error-catalogue.ts';
import { readMultipartForm, type MultipartLimits } from './read-multipart-form.ts';
import { toApiError } from './render-api-error.ts';
import { sendEditStream, type StreamOutcome } from './send-edit-stream.ts';
import type { RelayEditResult } from '../engines/openai/openai-image-engine.ts';
import { principalScope } from './authenticate.ts';
import { prefersRespondAsync } from './prefers-respond-async.ts';
import { taskPollSeconds } from './tasks-route.ts';
import { jsonEditBodyToParts, type UploadedFiles } from './json-edit-body.ts';
import { traceOf } from './request-tracing.ts';
import secureJsonParse from 'secure-json-parse';
import type { ImageUrlFetcher } from '../net/image-url-fetcher.ts';
import type { EditAnswer } from '../edits/stored-answer.ts';
import type { TaskObject } from '../edits/task-object.ts';

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
  /** JSON edit bodies: where `image_url`s are fetched and `file_id`s read, and the body's cap. */
  readonly json: { readonly fetcher: ImageUrlFetcher; readonly files: UploadedFiles | null; readonly maxBodyBytes: number };
}

const MAX_FIELD_BYTES = 256 * 1024;

/** The `Idempotency-Key` header, which may be sent once. */
function idempotencyKeyHeader(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) throw apiError('invalid_idempotency_key', { reason: 'send it once.' });
  return value;
}

/** Whether the client has gone away before its response was complete. */
function watchDisconnect(reply: FastifyReply): () => boolean {
  let gone = false;
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) gone = true;
  });
  return () => gone;
}

/** An edit that has begun is not cancelled by its client leaving (see `RouteHooks.signal`). */
const runsToTheEnd = new AbortController().signal;

/** The 202 for an accepted task: where to poll, and when. */
function sendAccepted(reply: FastifyReply, task: TaskObject): TaskObject {
  reply.code(202);
  reply.header('location', `/v1/images/tasks/${task.id}`);
  reply.header('retry-after', String(taskPollSeconds));
  reply.header('preference-applied', 'respond-async');
  reply.header('cache-control', 'no-store');
  return task;
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
    const isJson = /^\s*application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '');
    if (!request.isMultipart() && !isJson) {
      throw apiError('invalid_content_type', { received: String(request.headers['content-type'] ?? 'none'), expected: 'multipart/form-data or application/json' });
    }
    const declaredLength = Number(request.headers['content-length'] ?? 0);
    if (declaredLength > options.maxRequestBytes) throw apiError('request_too_large', { limitBytes: options.maxRequestBytes });
    const principal = request.principal;
    const keyId = principal?.kind === 'key' ? principal.key.id : null;
    const admission = await pipeline.admit(keyId);
    const spoolDirectory = path.join(options.uploadsDirectory, request.id);
    const release = async () => {
      admission.release();
      await rm(spoolDirectory, { recursive: true, force: true });
    };
    // An async task takes over the admission slot and the spooled files until it has ended.
    let handedOver = false;
    try {
      const trace = traceOf(request);
      const { parts, editRequest } = await trace.span('edit.parse', { 'pixelgate.body': isJson ? 'json' : 'multipart' }, async (span) => {
        if (!isJson) {
          const read = await readMultipartForm(request, spoolDirectory, limits);
          const parsed = pipeline.parse(read);
          span.set({ 'pixelgate.model': parsed.model.id, 'pixelgate.n': parsed.n, 'pixelgate.images': parsed.images.length });
          return { parts: read, editRequest: parsed };
        }
        const sources = { models: pipeline.models, fetcher: options.json.fetcher, files: options.json.files, scope: principalScope(principal) };
        const form = await jsonEditBodyToParts(request.body, rawJsonBodies.get(request) ?? null, spoolDirectory, sources);
        const parsed = { ...pipeline.parse(form.parts), upstreamJson: form.upstreamJson };
        span.set({ 'pixelgate.model': parsed.model.id, 'pixelgate.n': parsed.n, 'pixelgate.images': parsed.images.length });
        return { parts: form.parts, editRequest: parsed };
      });
      const caller: EditCaller = { requestId: request.id, toApiError: (error) => toApiError(error, request), log: request.log, trace };
      const idempotencyKey = idempotencyKeyHeader(request.headers['idempotency-key']);
      // A stream answers as it goes; RFC 7240 lets a server not apply a preference (no Preference-Applied then).
      const respondAsync = !editRequest.stream && pipeline.acceptsTasks && prefersRespondAsync(request.headers.prefer);
      const scope = principalScope(principal);
      const clientGone = watchDisconnect(reply);

      if (editRequest.stream) {
        // Without a key, refusals (credit, model) come before the stream, as HTTP errors.
        const reserved = idempotencyKey === undefined ? await pipeline.begin(admission, caller, editRequest) : null;
        const streamRun = async (onPartialImage: RouteHooks['onPartialImage'], onUpstreamEvent: RouteHooks['onUpstreamEvent']): Promise<StreamOutcome> => {
          let result: RelayEditResult | null = null;
          const execute = async (): Promise<EditAnswer> => {
            const run = reserved ?? (await pipeline.begin(admission, caller, editRequest));
            result = await run.route({ signal: runsToTheEnd, onPartialImage, onUpstreamEvent });
            // Kept for a retry with the key (images as b64_json, as a stream sends them).
            const response = idempotencyKey === undefined ? null : await run.answer(result, baseUrl(request));
            await run.succeeded({ delivered: idempotencyKey !== undefined || !clientGone() });
            return { kind: 'images', response: response ?? { created: 0, data: [] } };
          };
          if (idempotencyKey === undefined) {
            await execute();
            return { kind: 'result', result: result! };
          }
          const outcome = await pipeline.idempotent(scope, idempotencyKey, { requestId: request.id, parts, async: false }, execute);
          if (outcome.answer.kind !== 'images') throw new Error('a stream request stored a task answer');
          return outcome.replayed ? { kind: 'replay', response: outcome.answer.response } : { kind: 'result', result: result! };
        };
        await sendEditStream(request, reply, editRequest, streamRun, options.clock, options.streamKeepaliveMs);
        return reply;
      }

      const execute = async (): Promise<EditAnswer> => {
        if (respondAsync) {
          handedOver = true;
          const task = await pipeline.submit(admission, caller, editRequest, { scope, keyId, baseUrl: baseUrl(request), release });
          return { kind: 'task', task };
        }
        const run = await pipeline.begin(admission, caller, editRequest);
        const result = await run.route({ signal: runsToTheEnd });
        const response = await run.answer(result, baseUrl(request));
        // With an Idempotency-Key the answer is parked for the client's retry: delivered either way.
        await run.succeeded({ delivered: idempotencyKey !== undefined || !clientGone() });
        return { kind: 'images', response };
      };
      const outcome =
        idempotencyKey === undefined
          ? { answer: await execute(), replayed: false }
          : await pipeline.idempotent(scope, idempotencyKey, { requestId: request.id, parts, async: respondAsync }, execute);
      if (outcome.replayed) reply.header('idempotent-replayed', 'true');
      return outcome.answer.kind === 'task' ? sendAccepted(reply, outcome.answer.task) : outcome.answer.response;
    } finally {
      if (!handedOver) await release();
    }
  }

  // The edit routes read JSON themselves, keeping its exact text to forward (and refusing
  // `__proto__`/`constructor` keys, as Fastify's own parser does). The body limit applies to
  // JSON bodies only: multipart ones are streamed under their own limits.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: options.json.maxBodyBytes }, (request, text, done) => {
      try {
        const body = secureJsonParse.parse(String(text), undefined, { protoAction: 'error', constructorAction: 'error' });
        rawJsonBodies.set(request, String(text));
        done(null, body);
      } catch {
        done(Object.assign(new Error('The request body is not valid JSON.'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), undefined);
      }
    });
    for (const url of ['/v1/images/edits', '/v1/images/edits/']) scope.post(url, { bodyLimit: options.json.maxBodyBytes }, handler);
  });
}

/** The exact text of each JSON edit body, while its request lives. */
const rawJsonBodies = new WeakMap<FastifyRequest, string>();

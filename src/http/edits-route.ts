/**
 * `POST /v1/images/edits` (and the seed's `/v1/images/edits/`): read the multipart body as a
 * stream, validate it against the model's rules, run the engine, publish `url` results,
 * answer as OpenAI does. Spooled uploads are removed when the request ends, whatever happens.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ImageEngine, PartialImage } from '../engines/engine.ts';
import { buildEditResponse, type ImageDatum } from '../openai/edit-response.ts';
import { apiError } from '../openai/error-catalogue.ts';
import type { ServedModels } from '../openai/model-directory.ts';
import { parseEditRequest, type EditRequest } from '../openai/parse-edit-request.ts';
import { runEditJob } from '../routing/run-edit-job.ts';
import type { ResultPublisher } from '../storage/result-publisher.ts';
import { readMultipartForm, type MultipartLimits } from './read-multipart-form.ts';
import { sendEditStream } from './send-edit-stream.ts';

export interface EditsRouteOptions {
  readonly models: ServedModels;
  readonly engines: ReadonlyMap<string, ImageEngine>;
  readonly publisher: ResultPublisher;
  readonly uploadsDirectory: string;
  readonly maxInputPixels: number;
  readonly maxRequestBytes: number;
  readonly maxFormParts: number;
  readonly bodyTimeoutMs: number;
  readonly publicBaseUrl: string | null;
  readonly clock: () => number;
  /** Fixed seed for every edit (tests); random per request when absent. */
  readonly seed?: number;
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
  const limits: MultipartLimits = {
    maxRequestBytes: options.maxRequestBytes,
    maxParts: options.maxFormParts,
    maxFieldBytes: MAX_FIELD_BYTES,
    bodyTimeoutMs: options.bodyTimeoutMs,
    largestFileBytes: options.models.largestFileBytes(),
    fileLimit: (fieldName, partsSoFar) => options.models.fileLimitFor(fieldName, partsSoFar),
  };

  async function respondWithImages(request: FastifyRequest, editRequest: EditRequest, signal: AbortSignal) {
    const engine = options.engines.get(editRequest.model.engineId)!;
    const result = await runEditJob(engine, editRequest, { requestId: request.id, signal, seed: options.seed });
    const data: ImageDatum[] = [];
    if (editRequest.responseFormat === 'url') {
      const base = options.publicBaseUrl ?? `${request.protocol}://${request.host}`;
      for (const image of result.images) data.push({ url: base + (await options.publisher.publish(image.bytes, image.format)) });
    } else {
      for (const image of result.images) data.push({ b64_json: image.bytes.toString('base64') });
    }
    return buildEditResponse(editRequest, Math.floor(options.clock() / 1000), result.images, data, result.usage);
  }

  async function handler(request: FastifyRequest, reply: FastifyReply) {
    if (!request.isMultipart()) {
      throw apiError('invalid_content_type', { received: String(request.headers['content-type'] ?? 'none') });
    }
    const declaredLength = Number(request.headers['content-length'] ?? 0);
    if (declaredLength > options.maxRequestBytes) throw apiError('request_too_large', { limitBytes: options.maxRequestBytes });
    const spoolDirectory = path.join(options.uploadsDirectory, request.id);
    try {
      const parts = await readMultipartForm(request, spoolDirectory, limits);
      const editRequest = parseEditRequest(parts, options.models, options.maxInputPixels);
      const controller = abortOnDisconnect(reply);
      if (editRequest.stream) {
        const engine = options.engines.get(editRequest.model.engineId)!;
        await sendEditStream(
          request,
          reply,
          editRequest,
          (onPartialImage: (partial: PartialImage) => void) =>
            runEditJob(engine, editRequest, { requestId: request.id, signal: controller.signal, onPartialImage, seed: options.seed }),
          options.clock,
        );
        return reply;
      }
      return await respondWithImages(request, editRequest, controller.signal);
    } finally {
      await rm(spoolDirectory, { recursive: true, force: true });
    }
  }

  for (const url of ['/v1/images/edits', '/v1/images/edits/']) app.post(url, handler);
}

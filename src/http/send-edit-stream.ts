/**
 * Server-Sent Events for `stream=true` (GPT image rules): `image_edit.partial_image` frames
 * while the engine works, then one `image_edit.completed` frame. No `[DONE]`. A failure after
 * the stream has begun is one `error` frame, as the SDK expects. Until the first event, a
 * `: keepalive` comment goes out every `keepaliveMs` (the headers go at once), so a proxy's
 * idle timeout does not cut a long edit — nor an `Idempotency-Key` retry waiting for the first
 * request, whose stored answer it then replays as the completed event.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PartialImage } from '../engines/engine.ts';
import type { RelayEditResult } from '../engines/openai/openai-image-engine.ts';
import type { UpstreamStreamEvent } from '../engines/openai/relay-edit-job.ts';
import { resolvedOptions, type ImagesResponse } from '../openai/edit-response.ts';
import type { EditRequest } from '../openai/parse-edit-request.ts';
import { OPENAI_VERSION } from './response-headers.ts';
import { toApiError } from './render-api-error.ts';

/** What a stream ends with: the edit's own result, or (an `Idempotency-Key` retry) the first request's stored answer. */
export type StreamOutcome = { readonly kind: 'result'; readonly result: RelayEditResult } | { readonly kind: 'replay'; readonly response: ImagesResponse };

const unmeteredUsage = { total_tokens: 0, input_tokens: 0, output_tokens: 0, input_tokens_details: { text_tokens: 0, image_tokens: 0 } };

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export async function sendEditStream(
  request: FastifyRequest,
  reply: FastifyReply,
  editRequest: EditRequest,
  run: (onPartialImage: (partial: PartialImage) => void, onUpstreamEvent: (event: UpstreamStreamEvent) => void) => Promise<StreamOutcome>,
  clock: () => number,
  keepaliveMs: number,
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': request.id,
    'openai-version': OPENAI_VERSION,
    'openai-processing-ms': String(Math.round(clock() - (request.receivedAtMs ?? clock()))),
  });
  raw.flushHeaders();
  const keepalive = setInterval(() => {
    if (!raw.destroyed) raw.write(': keepalive\n\n');
  }, keepaliveMs);
  const write = (chunk: string) => {
    clearInterval(keepalive);
    raw.write(chunk);
  };
  const createdAt = () => Math.floor(clock() / 1000);
  const options = (width: number, height: number) => {
    const resolved = resolvedOptions(editRequest, { bytes: Buffer.alloc(0), format: editRequest.outputFormat, width, height });
    return { size: resolved.size, quality: resolved.quality, background: resolved.background, output_format: editRequest.outputFormat };
  };
  try {
    const first = editRequest.images[0].facts;
    const partialSize = editRequest.size ?? first;
    const passThrough = (event: UpstreamStreamEvent) =>
      write(`event: ${event.event}\n${event.data.split('\n').map((line) => `data: ${line}`).join('\n')}\n\n`);
    const outcome = await run((partial) => {
      write(
        frame('image_edit.partial_image', {
          type: 'image_edit.partial_image',
          b64_json: partial.bytes.toString('base64'),
          partial_image_index: partial.index,
          created_at: createdAt(),
          ...options(partialSize.width, partialSize.height),
        }),
      );
    }, passThrough);
    if (outcome.kind === 'replay') {
      // A replay has no partial images: the stored answer's completed event(s) only.
      const { response } = outcome;
      for (const datum of response.data) {
        if (!('b64_json' in datum)) continue;
        write(
          frame('image_edit.completed', {
            type: 'image_edit.completed',
            b64_json: datum.b64_json,
            created_at: response.created,
            size: response.size,
            quality: response.quality,
            background: response.background,
            output_format: response.output_format,
            usage: response.usage ?? unmeteredUsage,
          }),
        );
      }
      return;
    }
    const { result } = outcome;
    // A relayed stream ends with the upstream's own completed event, unchanged.
    if (result.completedEvent) {
      passThrough(result.completedEvent);
      return;
    }
    const image = result.images[0];
    write(
      frame('image_edit.completed', {
        type: 'image_edit.completed',
        b64_json: image.bytes.toString('base64'),
        created_at: createdAt(),
        ...options(image.width, image.height),
        // The newest SDKs type `usage` as required on this event: zeros where nothing is metered.
        usage: result.usage ?? unmeteredUsage,
      }),
    );
  } catch (error) {
    const { body } = toApiError(error, request);
    write(frame('error', { type: 'error', error: body.error }));
  } finally {
    clearInterval(keepalive);
    raw.end();
  }
}

/**
 * Runs one validated edit on its engine: splits `n` into calls the engine can take, gives
 * each output its own seed, and joins the results. Policy lives here, not in adapters;
 * engines only make one call each.
 */
import { randomInt } from 'node:crypto';
import type { EditOutputImage, EditResult, EditUsage, ImageEngine, PartialImage } from '../engines/engine.ts';
import type { RelayEditResult } from '../engines/openai/openai-image-engine.ts';
import type { RelayEditJob, UpstreamStreamEvent } from '../engines/openai/relay-edit-job.ts';
import type { EditRequest } from '../openai/parse-edit-request.ts';

export interface RunEditOptions {
  readonly requestId: string;
  readonly signal: AbortSignal;
  readonly onPartialImage?: (partial: PartialImage) => void;
  /** Fixed seed for reproducible outputs; random when absent. */
  readonly seed?: number;
  /** The model name for this engine (a channel's upstream name); `request.model.engineModel` when absent. */
  readonly engineModel?: string;
  /** Upstream stream events, passed through unchanged (relayed `stream=true`). */
  readonly onUpstreamEvent?: (event: UpstreamStreamEvent) => void;
  /** The attempt span's W3C `traceparent`, for the upstream. */
  readonly traceparent?: string | null;
}

function addUsage(total: EditUsage | null, next: EditUsage | null): EditUsage | null {
  if (!next) return total;
  if (!total) return next;
  return {
    total_tokens: total.total_tokens + next.total_tokens,
    input_tokens: total.input_tokens + next.input_tokens,
    output_tokens: total.output_tokens + next.output_tokens,
    input_tokens_details: {
      text_tokens: total.input_tokens_details.text_tokens + next.input_tokens_details.text_tokens,
      image_tokens: total.input_tokens_details.image_tokens + next.input_tokens_details.image_tokens,
    },
  };
}

export async function runEditJob(engine: ImageEngine, request: EditRequest, options: RunEditOptions): Promise<RelayEditResult> {
  const perCall = Math.max(1, engine.capabilities.maxOutputImagesPerCall);
  const baseSeed = options.seed ?? randomInt(0, 2 ** 31);
  const calls: Array<Promise<EditResult>> = [];
  for (let first = 0; first < request.n; first += perCall) {
    const job: RelayEditJob = {
      requestId: options.requestId,
      model: options.engineModel ?? request.model.engineModel,
      prompt: request.prompt,
      images: request.images,
      mask: request.mask,
      markup: request.markup,
      n: Math.min(perCall, request.n - first),
      size: request.size,
      outputFormat: request.outputFormat,
      outputCompression: request.outputCompression,
      quality: request.quality,
      background: request.background,
      inputFidelity: request.inputFidelity,
      user: request.user,
      partialImages: first === 0 ? request.partialImages : 0,
      seed: baseSeed + first,
      signal: options.signal,
      onPartialImage: first === 0 ? options.onPartialImage : undefined,
      forwardedFields: request.fields,
      responseFormat: request.responseFormat,
      stream: request.stream,
      onUpstreamEvent: first === 0 ? options.onUpstreamEvent : undefined,
      traceparent: options.traceparent,
      // A JSON body names its n: only a job that is the whole request may forward it.
      upstreamJson: perCall >= request.n ? request.upstreamJson : undefined,
    };
    calls.push(engine.edit(job));
  }
  const results = await Promise.all(calls);
  const images: EditOutputImage[] = results.flatMap((result) => result.images);
  const usage = results.reduce<EditUsage | null>((total, result) => addUsage(total, result.usage), null);
  const completedEvent = (results[0] as RelayEditResult).completedEvent;
  if (completedEvent) return { images, usage, completedEvent };
  const relayed = results as RelayEditResult[];
  if (relayed.every((result) => result.upstreamUrls)) return { images, usage, upstreamUrls: relayed.flatMap((result) => result.upstreamUrls!) };
  return { images, usage };
}

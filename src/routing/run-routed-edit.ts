/**
 * The failover loop. Tries the model's channels in priority/weight order; a failure whose
 * error says `retryable` moves on to the next channel as long as nothing has reached the
 * client yet; anything else ends the request with that error. The loop reads only
 * `retryable` and `retryAfterMs` — classifying failures is each adapter's job — and tells the
 * circuit breaker what happened to each channel.
 */
import { EngineError, type EngineCapabilities, type PartialImage } from '../engines/engine.ts';
import type { RelayEditResult } from '../engines/openai/openai-image-engine.ts';
import type { UpstreamStreamEvent } from '../engines/openai/relay-edit-job.ts';
import type { EditRequest } from '../openai/parse-edit-request.ts';
import type { ChannelRouter, RoutedChannel } from './channel-router.ts';
import { runEditJob } from './run-edit-job.ts';
import { noEditTrace, type EditTrace } from '../observability/edit-trace.ts';

export interface RoutedEditOptions {
  readonly requestId: string;
  readonly signal: AbortSignal;
  readonly seed?: number;
  readonly onPartialImage?: (partial: PartialImage) => void;
  readonly onUpstreamEvent?: (event: UpstreamStreamEvent) => void;
  /** Each attempt is a child span of this trace. */
  readonly trace?: EditTrace;
}

export interface ChannelAttempt {
  readonly channel: string;
  readonly error: string | null;
  /** `ok`, the engine error's `reason` (`http_500`, `no_response`, `invalid_input`, …), or `error`. */
  readonly outcome: string;
  readonly durationMs: number;
}

export interface RoutedEditResult {
  readonly result: RelayEditResult;
  readonly channel: RoutedChannel;
  readonly attempts: readonly ChannelAttempt[];
}

/** Every channel failed or was out of rotation; `lastError` is the last retryable failure, if any. */
export class NoChannelAvailableError extends Error {
  constructor(
    readonly modelId: string,
    readonly retryAfterMs: number,
    readonly attempts: readonly ChannelAttempt[],
    readonly lastError: EngineError | null,
    /** The last channel tried, for the usage record. */
    readonly lastChannel: string | null,
  ) {
    super(`No channel could serve '${modelId}' (${attempts.map((attempt) => `${attempt.channel}: ${attempt.error}`).join('; ') || 'all out of rotation'}).`);
    this.name = 'NoChannelAvailableError';
  }
}

/** A failure that ends the request, with the channel it happened on. */
export class RoutedEditError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly channel: string,
    readonly attempts: readonly ChannelAttempt[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'RoutedEditError';
  }
}

/** What of `request` an engine with these capabilities cannot honour, or null. */
function unsupportedOn(capabilities: EngineCapabilities, request: EditRequest): string | null {
  if (request.markup !== null && capabilities.markup !== true) return 'markup';
  if (request.model.rules.passThrough && capabilities.forwardsFields !== true) return 'pass-through fields';
  if (request.stream && !capabilities.streaming) return 'stream=true';
  return null;
}

export async function runRoutedEdit(router: ChannelRouter, request: EditRequest, options: RoutedEditOptions): Promise<RoutedEditResult> {
  let reachedClient = false;
  const onPartialImage = options.onPartialImage && ((partial: PartialImage) => ((reachedClient = true), options.onPartialImage!(partial)));
  const onUpstreamEvent = options.onUpstreamEvent && ((event: UpstreamStreamEvent) => ((reachedClient = true), options.onUpstreamEvent!(event)));
  const attempts: ChannelAttempt[] = [];
  const targets = router.targetsFor(request.model.id);
  let lastError: EngineError | null = null;
  let lastChannel: string | null = null;
  for (const { channel, upstreamModel } of targets) {
    // Capabilities were checked against the model's primary channel; a fallback that cannot
    // honour the request is passed over, never handed an edit it would do in part.
    const unsupported = unsupportedOn(channel.engine.capabilities, request);
    if (unsupported !== null) {
      attempts.push({ channel: channel.name, error: `cannot honour ${unsupported}`, outcome: 'unsupported', durationMs: 0 });
      continue;
    }
    if (router.health.acquire(channel.name) === 'refused') continue;
    lastChannel = channel.name;
    const startedAtMs = performance.now();
    const span = (options.trace ?? noEditTrace).start(channel.builtIn ? 'edit.builtin_fill' : 'edit.attempt', {
      'pixelgate.channel': channel.name,
      'pixelgate.attempt': attempts.length + 1,
      'pixelgate.upstream_model': upstreamModel,
    });
    try {
      const result = await runEditJob(channel.engine, request, {
        requestId: options.requestId,
        signal: options.signal,
        seed: options.seed,
        engineModel: upstreamModel,
        onPartialImage,
        onUpstreamEvent,
        traceparent: span.traceparent(),
      });
      router.health.succeeded(channel.name);
      attempts.push({ channel: channel.name, error: null, outcome: 'ok', durationMs: performance.now() - startedAtMs });
      span.end({ 'pixelgate.outcome': 'ok' });
      return { result, channel, attempts };
    } catch (error) {
      const retryable = error instanceof EngineError && error.retryable && !options.signal.aborted;
      attempts.push({
        channel: channel.name,
        error: error instanceof Error ? error.message : String(error),
        outcome: error instanceof EngineError ? error.reason : 'error',
        durationMs: performance.now() - startedAtMs,
      });
      span.end({ 'pixelgate.outcome': attempts[attempts.length - 1].outcome, 'pixelgate.retryable': retryable }, error);
      if (!retryable) {
        // The client's own bad request or a cancel says nothing about the channel's health.
        router.health.released(channel.name);
        throw new RoutedEditError(error, channel.name, attempts);
      }
      router.health.failed(channel.name, error.message, error.retryAfterMs);
      lastError = error;
      if (reachedClient) throw new RoutedEditError(error, channel.name, attempts);
    }
  }
  const retryAfterMs = Math.min(...targets.map(({ channel }) => router.health.waitMs(channel.name)), Number.MAX_SAFE_INTEGER);
  throw new NoChannelAvailableError(request.model.id, retryAfterMs === Number.MAX_SAFE_INTEGER ? 0 : retryAfterMs, attempts, lastError, lastChannel);
}

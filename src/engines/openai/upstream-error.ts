/**
 * A failed upstream call, classified once, here: whether another attempt (on this or another
 * channel) may succeed, and how long the upstream asked us to wait. The failover loop reads
 * only `retryable` and `retryAfterMs`. A non-retryable rejection keeps the upstream's status
 * and OpenAI error body so the client can be given exactly what the upstream said.
 */
import { EngineError } from '../engine.ts';

export interface UpstreamErrorBody {
  readonly message: string;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
}

export class UpstreamError extends EngineError {
  constructor(
    message: string,
    retryable: boolean,
    retryAfterMs: number | null,
    /** The upstream's HTTP status; null when no response arrived (connect error, timeout, reset). */
    readonly status: number | null,
    /** The upstream's error object when it sent one in OpenAI's envelope. */
    readonly upstreamBody: UpstreamErrorBody | null,
    options?: { cause?: unknown },
  ) {
    super('internal', message, retryable, retryAfterMs, options);
    this.name = 'UpstreamError';
  }

  /** `http_<status>` for an upstream's error answer, `no_response` when none came. */
  override get reason(): string {
    return this.status === null ? 'no_response' : `http_${this.status}`;
  }
}

/** `retry-after-ms`, else `retry-after` (seconds or an HTTP date), in milliseconds. */
export function retryAfterFromHeaders(headers: Readonly<Record<string, string | string[] | undefined>>, nowMs: number): number | null {
  const first = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const milliseconds = Number(first('retry-after-ms'));
  if (first('retry-after-ms') !== undefined && Number.isFinite(milliseconds) && milliseconds >= 0) return Math.round(milliseconds);
  const retryAfter = first('retry-after');
  if (retryAfter === undefined) return null;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** Reads OpenAI's `{"error":{…}}` envelope from a response body, or null. */
export function parseUpstreamErrorBody(text: string): UpstreamErrorBody | null {
  try {
    const parsed = JSON.parse(text) as { error?: Record<string, unknown> };
    const error = parsed?.error;
    if (!error || typeof error !== 'object' || typeof error.message !== 'string') return null;
    return {
      message: error.message,
      type: typeof error.type === 'string' ? error.type : 'invalid_request_error',
      param: typeof error.param === 'string' ? error.param : null,
      code: typeof error.code === 'string' ? error.code : null,
    };
  } catch {
    return null;
  }
}

/**
 * Status classes: 400/413/415/422 are about the request and go back to the client; 408, 409,
 * 429 and 5xx are transient; 401/403/404 mean this channel's credentials or model name are
 * wrong, which another channel may not share, so they fail over too.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 404 || status === 408 || status === 409 || status === 429 || status >= 500;
}

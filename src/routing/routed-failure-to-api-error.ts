/**
 * Turns the failover loop's outcomes into catalogue errors for the HTTP edge. An upstream's
 * refusal of the request goes back to the client as the upstream gave it (its status and its
 * OpenAI error object); exhausted channels become `upstream_unavailable` with `retry-after`;
 * built-in engine failures keep their existing mapping.
 */
import { UpstreamError } from '../engines/openai/upstream-error.ts';
import { ApiError, apiError } from '../openai/error-catalogue.ts';
import { NoChannelAvailableError, RoutedEditError } from './run-routed-edit.ts';

/** Returns the error to render: an `ApiError` for relay outcomes, else the engine's own error. */
export function routedFailureToApiError(error: unknown): unknown {
  if (error instanceof NoChannelAvailableError) {
    if (error.lastError && !(error.lastError instanceof UpstreamError)) return error.lastError;
    return apiError('upstream_unavailable', { model: error.modelId, retryAfterSeconds: Math.max(1, Math.ceil(error.retryAfterMs / 1000)) });
  }
  if (!(error instanceof RoutedEditError)) return error;
  const cause = error.cause;
  if (!(cause instanceof UpstreamError)) return cause;
  const clientFault = cause.status !== null && cause.status >= 400 && cause.status < 500 && !cause.retryable;
  if (clientFault) {
    if (cause.upstreamBody) return new ApiError('upstream_rejected', { error: { ...cause.upstreamBody } }, cause.status!, null);
    return apiError('upstream_rejected', { message: cause.message });
  }
  if (cause.upstreamBody) return new ApiError('upstream_failed', { error: { ...cause.upstreamBody } }, 502, null);
  return apiError('upstream_failed');
}

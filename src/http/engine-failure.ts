/**
 * Maps an engine's expected failures onto the error catalogue. The engine decided
 * retryability and the retry delay; this only renders them.
 */
import { EngineError } from '../engines/engine.ts';
import { apiError, type ApiError } from '../openai/error-catalogue.ts';

export function engineFailureToApiError(error: EngineError): ApiError {
  switch (error.kind) {
    case 'overloaded':
      return apiError('rate_limit_exceeded', {
        reason: 'The image engine is at capacity.',
        retryAfterSeconds: Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000)),
      });
    case 'invalid_input':
      return apiError('invalid_image_file', { imageNumber: 1 });
    default:
      return apiError('server_error');
  }
}

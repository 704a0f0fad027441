/**
 * The one place errors become HTTP responses. Catalogue errors render as they are; errors
 * from Fastify and its plugins are mapped onto the catalogue; anything else is logged and
 * answered with the generic 500, never a stack trace.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { EngineError } from '../engines/engine.ts';
import { ApiError, apiError } from '../openai/error-catalogue.ts';
import { engineFailureToApiError } from './engine-failure.ts';
import { lingerCloseAfterResponse } from './linger-close.ts';

function fromFastifyError(error: FastifyError, request: FastifyRequest): ApiError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return apiError('invalid_content_type', { received: String(request.headers['content-type'] ?? 'none') });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return apiError('request_too_large', { limitBytes: request.routeOptions.bodyLimit ?? 0 });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return apiError('invalid_admin_request', { param: 'body', reason: 'The request body is not valid JSON.' });
    default:
      if (error.statusCode === 400 && error.code === undefined && error instanceof SyntaxError) {
        return apiError('invalid_admin_request', { param: 'body', reason: 'The request body is not valid JSON.' });
      }
      return null;
  }
}

export function toApiError(error: unknown, request: FastifyRequest): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof EngineError) {
    if (error.kind === 'internal') request.log.error({ err: error }, 'engine failure');
    return engineFailureToApiError(error);
  }
  const mapped = fromFastifyError(error as FastifyError, request);
  if (mapped) return mapped;
  request.log.error({ err: error }, 'unexpected error');
  return apiError('server_error');
}

/** Fastify's router refusals (`frameworkErrors`), which reach no route and no error handler. */
export function frameworkErrorToApiError(error: FastifyError, maxParamLength: number): ApiError {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return apiError('path_segment_too_long', { limit: maxParamLength });
  if (error.code === 'FST_ERR_BAD_URL') return apiError('malformed_http_request', { reason: 'its path is not valid percent-encoding' });
  return apiError('malformed_http_request', { reason: 'it could not be routed' });
}

export function sendApiError(error: ApiError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // A body we stopped reading must not be drained into the next request on this connection,
  // and the client must still get to read this answer while it is uploading.
  if (!request.raw.complete) {
    reply.header('connection', 'close');
    lingerCloseAfterResponse(request);
  }
  if (error.retryAfterSeconds !== null) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.code(error.status).type('application/json').send(error.body);
}

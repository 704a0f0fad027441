/**
 * The answer for a request no route matched: 405 with `Allow` when the path exists under other
 * methods only (`GET /v1/images/edits`), else OpenAI's 404 "Invalid URL". Matching uses the router
 * itself, so it decodes the path exactly as routing and access checks do (route-access.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { apiError } from '../openai/error-catalogue.ts';
import { sendApiError } from './render-api-error.ts';
import { urlWithoutQuery } from './url-without-query.ts';

const routableMethods: readonly HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function sendUnmatchedRoute(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = urlWithoutQuery(request.url);
  // A route that matched may still call the not-found handler (a static file that is missing).
  const matchedItsOwnRoute = app.findRoute({ method: request.method as HTTPMethods, url: path }) !== null;
  const allowed = matchedItsOwnRoute
    ? []
    : routableMethods.filter((method) => method !== request.method && app.findRoute({ method, url: path }) !== null);
  if (allowed.length > 0) {
    reply.header('allow', allowed.join(', '));
    return sendApiError(apiError('method_not_allowed', { method: request.method, url: path, allowed }), request, reply);
  }
  return sendApiError(apiError('invalid_url', { method: request.method, url: path }), request, reply);
}

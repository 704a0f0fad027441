/**
 * Who may call each route, decided from the route the router matched — never from the raw URL.
 * The router percent-decodes the path once and matches it exactly (no duplicate slashes, dot
 * segments or trailing slashes), so `/%61dmin/keys` is `/admin/keys` for authentication too,
 * and every other spelling (`//admin/keys`, `/v1/../admin/keys`, `/%2561dmin/keys`,
 * `/admin%2Fkeys`, `/admin/keys/`) matches no route and is answered 404 in the envelope.
 *
 * Every route declares its access: in `routeAccessTable` below, or as `config: { access }` on
 * the route itself (which wins). A route with no declaration is refused (default deny): it
 * answers like an unknown URL and the refusal is logged naming the route.
 */
import type { FastifyInstance } from 'fastify';
import { apiError } from '../openai/error-catalogue.ts';
import type { Authenticate } from './authenticate.ts';
import { urlWithoutQuery } from './url-without-query.ts';

/** `public`: anyone; `api_key`: any active key or the admin key; `admin`: the admin key only. */
export type RouteAccess = 'public' | 'api_key' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/**
 * Access of every route `createApp` registers, by `METHOD pattern` as registered. `HEAD` routes
 * that Fastify adds for `GET` routes take the `GET` route's access.
 */
export const routeAccessTable: Readonly<Record<string, RouteAccess>> = {
  'GET /health': 'public',
  'GET /openapi.json': 'public',
  'GET /': 'public',
  // The console page itself is a public shell; its data comes from `/admin/...` with the admin key.
  'GET /admin': 'public',
  'GET /console/*': 'public',
  // Signed URLs: the signature is the credential, checked by the route.
  'GET /v1/results/:key': 'public',
  'GET /v1/models': 'api_key',
  'GET /v1/models/:model': 'api_key',
  'POST /v1/images/edits': 'api_key',
  'POST /v1/images/edits/': 'api_key',
  // The route answers 404 for a task another key submitted.
  'GET /v1/images/tasks/:id': 'api_key',
  // Files answer 404 for another key's file.
  'POST /v1/files': 'api_key',
  'GET /v1/files/:id': 'api_key',
  'GET /v1/files/:id/content': 'api_key',
  'DELETE /v1/files/:id': 'api_key',
  'POST /admin/keys': 'admin',
  'GET /admin/keys': 'admin',
  'PATCH /admin/keys/:id': 'admin',
  'POST /admin/keys/:id/credit': 'admin',
  'DELETE /admin/keys/:id': 'admin',
  'GET /admin/usage/summary': 'admin',
  'GET /admin/usage/requests': 'admin',
  'GET /admin/channels': 'admin',
  // Prometheus metrics; `metrics.listenPort` serves them without a key on a separate listener.
  'GET /metrics': 'admin',
};

/** The declared access of a route, or null when it has none. */
export function declaredRouteAccess(method: string, url: string, configured: RouteAccess | undefined): RouteAccess | null {
  if (configured) return configured;
  const lookupMethod = method === 'HEAD' ? 'GET' : method;
  for (const key of [`${method} ${url}`, `${lookupMethod} ${url}`]) if (Object.hasOwn(routeAccessTable, key)) return routeAccessTable[key];
  return null;
}

/**
 * Resolves each route's access as it is registered (logging, at boot, any route without a
 * declaration) and checks it in an `onRequest` hook. Requests that matched no route go on to
 * the not-found handler, which answers 404 without looking at credentials.
 */
export function registerRouteAccess(app: FastifyInstance, authenticate: Authenticate): void {
  app.addHook('onRoute', (routeOptions) => {
    const methods = Array.isArray(routeOptions.method) ? routeOptions.method : [routeOptions.method];
    for (const method of methods) {
      if (declaredRouteAccess(method, routeOptions.url, routeOptions.config?.access) === null) {
        app.log.error({ route: `${method} ${routeOptions.url}` }, 'route has no access declaration; it will refuse every request');
      }
    }
  });
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const { url, config } = request.routeOptions;
    const access = declaredRouteAccess(request.method, url ?? '', config.access);
    if (access === null) {
      request.log.error({ route: `${request.method} ${url}` }, 'route has no access declaration; refused');
      throw apiError('invalid_url', { method: request.method, url: urlWithoutQuery(request.url) });
    }
    if (access === 'public') return;
    request.principal = await authenticate(request);
    if (access === 'admin' && request.principal.kind !== 'admin') throw apiError('admin_key_required');
  });
}

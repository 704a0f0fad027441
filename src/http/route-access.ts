/**
 * Who may call a route, decided from the route the router matched (its pattern, such as
 * `/admin/keys/:id`), never from the raw request URL: the router percent-decodes the path, so a
 * prefix check on the raw URL let `/%61dmin/keys` reach the admin API with no key (issue 9).
 * Public routes are listed here one by one; every other matched route needs an API key, and
 * every route under `/admin/` the admin key. An unmatched request reaches only the 404 handler.
 */
export type RouteAccess = 'public' | 'api_key' | 'admin_key';

const publicRoutes: ReadonlySet<string> = new Set([
  '/',
  '/admin',
  '/health',
  '/openapi.json',
  '/v1/results/:key',
  '/console/*',
]);

/** `routePattern` is `request.routeOptions.url`: undefined when no route matched. */
export function routeAccess(routePattern: string | undefined): RouteAccess {
  if (routePattern === undefined || publicRoutes.has(routePattern)) return 'public';
  if (routePattern.startsWith('/admin/')) return 'admin_key';
  return 'api_key';
}

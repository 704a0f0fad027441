/**
 * Who gets into every protected route, under every spelling of its path (issue 9, item 1):
 * percent-encoded letters (lower- and upper-case hex), fully encoded segments, double encoding,
 * duplicate slashes, dot segments (plain and encoded), encoded slashes, trailing slashes, case
 * changes, path parameters, NUL — each with no key, a normal key and the admin key, against the
 * real server over raw sockets (no client library normalises the path first).
 *
 * A spelling the router decodes to the route must be authorised exactly like the route; every
 * other spelling must match nothing and get the 404 envelope, whoever asks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';
import { pngWithTransparentHole } from '../support/images.ts';
import { buildMultipart, png } from '../support/multipart.ts';
import { rawExchange, type RawResponse } from '../support/raw-http.ts';

type Access = 'api_key' | 'admin';
type Caller = 'no key' | 'normal key' | 'admin key';

interface ProtectedRoute {
  readonly method: string;
  /** `:id` is replaced by the id of a key made for the request. */
  readonly path: string;
  readonly access: Access;
  readonly successStatus: number;
  /** The id in the path must be a fresh key (the request revokes it). */
  readonly freshKey?: boolean;
  readonly body?: () => { contentType: string; bytes: Buffer };
  /**
   * A trailing slash reaches a route with the same access (`POST /v1/images/edits/` is
   * registered; `GET /v1/models/` is `/v1/models/:model` with an empty id): what an authorised
   * caller gets there. Absent: a trailing slash matches no route.
   */
  readonly trailingSlashStatus?: number;
  /**
   * A trailing slash reaches other routes only (`/admin/keys/` is `/admin/keys/:id` with an empty
   * id): everyone gets the 405 listing their methods.
   */
  readonly trailingSlashAllows?: string;
}

interface Spelling {
  readonly label: string;
  readonly spell: (path: string) => string;
  /** The router decodes it to the route itself. */
  readonly reachesRoute: boolean;
}

let server: RunningServer;
let normalKey: string;
let standingKeyId: string;
let holed: Buffer;

before(async () => {
  server = await startServer({ config: { models: { served: [{ id: 'dall-e-2', rules: 'dall-e-2', engine: 'stand-in' }] } } });
  ({ key: normalKey, id: standingKeyId } = await createKey(server, 'normal'));
  holed = await pngWithTransparentHole(64);
});
after(async () => server?.stop());

const json = (value: unknown) => () => ({ contentType: 'application/json', bytes: Buffer.from(JSON.stringify(value)) });

const protectedRoutes: readonly ProtectedRoute[] = [
  { method: 'GET', path: '/v1/models', access: 'api_key', successStatus: 200, trailingSlashStatus: 404 },
  { method: 'GET', path: '/v1/models/dall-e-2', access: 'api_key', successStatus: 200 },
  {
    method: 'POST',
    path: '/v1/images/edits',
    access: 'api_key',
    successStatus: 200,
    trailingSlashStatus: 200,
    body: () => {
      const { body, contentType } = buildMultipart([png('image', holed), { name: 'prompt', value: 'x' }, { name: 'size', value: '256x256' }]);
      return { contentType, bytes: body };
    },
  },
  { method: 'POST', path: '/admin/keys', access: 'admin', successStatus: 201, body: json({ name: 'made-by-probe' }), trailingSlashAllows: 'PATCH, DELETE' },
  { method: 'GET', path: '/admin/keys', access: 'admin', successStatus: 200, trailingSlashAllows: 'PATCH, DELETE' },
  { method: 'PATCH', path: '/admin/keys/:id', access: 'admin', successStatus: 200, body: json({ requests_per_minute: 1000 }) },
  { method: 'POST', path: '/admin/keys/:id/credit', access: 'admin', successStatus: 200, body: json({ amount_usd: 1 }) },
  { method: 'DELETE', path: '/admin/keys/:id', access: 'admin', successStatus: 200, freshKey: true },
  { method: 'GET', path: '/admin/usage/summary', access: 'admin', successStatus: 200 },
  { method: 'GET', path: '/admin/usage/requests', access: 'admin', successStatus: 200 },
  { method: 'GET', path: '/admin/channels', access: 'admin', successStatus: 200 },
];

const percent = (character: string, upper = false) => {
  const hex = character.charCodeAt(0).toString(16);
  return `%${upper ? hex.toUpperCase() : hex}`;
};
const firstSegment = (path: string) => path.split('/')[1];
const replaceFirstSegment = (path: string, segment: string) => `/${segment}${path.slice(1 + firstSegment(path).length)}`;
const otherPrefix = (path: string) => (path.startsWith('/admin/') ? '/v1' : '/admin');

const spellings: readonly Spelling[] = [
  { label: 'canonical', spell: (path) => path, reachesRoute: true },
  { label: 'first letter encoded', spell: (path) => `/${percent(path[1])}${path.slice(2)}`, reachesRoute: true },
  { label: 'lower-case hex (%6d)', spell: (path) => path.replace('m', percent('m')), reachesRoute: true },
  { label: 'upper-case hex (%6D)', spell: (path) => path.replace('m', percent('m', true)), reachesRoute: true },
  { label: 'whole first segment encoded', spell: (path) => replaceFirstSegment(path, [...firstSegment(path)].map((c) => percent(c)).join('')), reachesRoute: true },
  { label: 'query string', spell: (path) => `${path}?probe=1`, reachesRoute: true },
  { label: 'double encoding (%2561)', spell: (path) => `/%25${percent(path[1]).slice(1)}${path.slice(2)}`, reachesRoute: false },
  { label: 'leading double slash', spell: (path) => `/${path}`, reachesRoute: false },
  { label: 'inner double slash', spell: (path) => path.replace(/^(\/[^/]+)\//, '$1//'), reachesRoute: false },
  { label: 'leading dot segment', spell: (path) => `/.${path}`, reachesRoute: false },
  { label: 'inner dot segment', spell: (path) => path.replace(/^(\/[^/]+)\//, '$1/./'), reachesRoute: false },
  { label: 'parent segment', spell: (path) => `${otherPrefix(path)}/..${path}`, reachesRoute: false },
  { label: 'encoded parent segment', spell: (path) => `${otherPrefix(path)}/%2e%2e${path}`, reachesRoute: false },
  { label: 'encoded slash (%2F)', spell: (path) => path.replace(/^(\/[^/]+)\//, '$1%2F'), reachesRoute: false },
  { label: 'encoded slash (%2f)', spell: (path) => path.replace(/^(\/[^/]+)\//, '$1%2f'), reachesRoute: false },
  { label: 'upper-case segment', spell: (path) => replaceFirstSegment(path, firstSegment(path).toUpperCase()), reachesRoute: false },
  { label: 'path parameter (;)', spell: (path) => replaceFirstSegment(path, `${firstSegment(path)};x`), reachesRoute: false },
  { label: 'encoded NUL', spell: (path) => replaceFirstSegment(path, `${firstSegment(path)}%00`), reachesRoute: false },
];

async function keyIdFor(route: ProtectedRoute): Promise<string> {
  return route.freshKey ? (await createKey(server, 'victim')).id : standingKeyId;
}

async function call(route: ProtectedRoute, requestTarget: string, caller: Caller): Promise<RawResponse> {
  const body = route.body?.();
  const host = new URL(server.baseUrl).host;
  const headers = [`${route.method} ${requestTarget} HTTP/1.1`, `Host: ${host}`, 'Connection: close'];
  if (caller === 'normal key') headers.push(`Authorization: Bearer ${normalKey}`);
  if (caller === 'admin key') headers.push(`Authorization: Bearer ${server.adminKey}`);
  if (body) headers.push(`Content-Type: ${body.contentType}`, `Content-Length: ${body.bytes.length}`);
  const head = Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'latin1');
  return rawExchange(server.baseUrl, body ? Buffer.concat([head, body.bytes]) : head);
}

const envelope = (message: string, code: string | null) =>
  JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } });

const missingKeyBody = envelope(
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
  null,
);
const adminRequiredBody = envelope('This endpoint requires the admin key.', 'admin_key_required');

function assertAnswer(response: RawResponse, expectedStatus: number, expectedBody: string | null, context: string): void {
  assert.equal(response.status, expectedStatus, `${context}: ${response.status} ${response.body}`);
  if (expectedBody !== null) {
    assert.equal(response.body, expectedBody, context);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8', context);
  }
}

function expectation(route: ProtectedRoute, caller: Caller, reachesRoute: boolean, requestTarget: string, successStatus: number): [number, string | null] {
  const path = requestTarget.split('?')[0];
  if (!reachesRoute && route.trailingSlashAllows && requestTarget === `${route.path}/`) {
    return [405, envelope(`Method not allowed (${route.method} ${path}). This URL takes ${route.trailingSlashAllows}.`, 'method_not_allowed')];
  }
  if (!reachesRoute) return [404, envelope(`Invalid URL (${route.method} ${path})`, null)];
  if (caller === 'no key') return [401, missingKeyBody];
  if (caller === 'normal key' && route.access === 'admin') return [403, adminRequiredBody];
  return [successStatus, null];
}

describe('route access under every spelling of the path', () => {
  for (const route of protectedRoutes) {
    it(`${route.method} ${route.path} (${route.access})`, async () => {
      const cases: Array<{ label: string; target: (path: string) => string; reachesRoute: boolean; successStatus: number }> = [
        ...spellings.map((spelling) => ({ label: spelling.label, target: spelling.spell, reachesRoute: spelling.reachesRoute, successStatus: route.successStatus })),
        {
          label: 'trailing slash',
          target: (path: string) => `${path}/`,
          reachesRoute: route.trailingSlashStatus !== undefined,
          successStatus: route.trailingSlashStatus ?? 404,
        },
      ];
      for (const spelling of cases) {
        for (const caller of ['no key', 'normal key', 'admin key'] as const) {
          const path = route.path.replace(':id', await keyIdFor(route));
          const target = spelling.target(path);
          const response = await call(route, target, caller);
          const [status, body] = expectation(route, caller, spelling.reachesRoute, target, spelling.successStatus);
          const context = `${route.method} ${target} [${spelling.label}] with ${caller}`;
          assertAnswer(response, status, body, context);
          if (caller !== 'admin key' && route.access === 'admin') assert.ok(response.status >= 400, `${context} got in`);
          if (caller === 'no key') assert.ok(response.status >= 400, `${context} got in`);
        }
      }
    });
  }

  it('revokes nothing for a caller without the admin key, whatever the spelling', async () => {
    const victim = await createKey(server, 'must-survive');
    for (const spelling of spellings) {
      for (const caller of ['no key', 'normal key'] as const) {
        await call(protectedRoutes.find((route) => route.method === 'DELETE')!, spelling.spell(`/admin/keys/${victim.id}`), caller);
      }
    }
    const models = await fetch(`${server.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${victim.key}` } });
    assert.equal(models.status, 200);
  });

  it('serves the public routes to anyone', async () => {
    for (const path of ['/health', '/openapi.json', '/', '/admin', '/console/console.css']) {
      const response = await rawExchange(server.baseUrl, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.equal(response.status, 200, path);
    }
  });
});

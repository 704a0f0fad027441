/**
 * Issue 9: authentication and routing decide on the same path. Every protected route is sent
 * under many spellings of its path (percent-encoded letters and slashes, doubled slashes, dot
 * segments, trailing slash, case) with no key, a normal key and the admin key; whatever the
 * router ends up matching, nobody gets a 2xx without the key that route needs.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';

interface RawAnswer {
  readonly status: number;
  readonly body: string;
}

/** Sends the path exactly as written (fetch would normalise dot segments before sending). */
function sendRaw(baseUrl: string, method: string, rawPath: string, key: string | null, body?: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        hostname,
        port,
        method,
        path: rawPath,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Spellings of one path that a lenient router might take for it. */
function spellings(path: string): string[] {
  const segments = path.split('/').filter(Boolean);
  const [first, ...rest] = segments;
  const encodeFirstLetter = (segment: string, upper: boolean) => {
    const hex = segment.charCodeAt(0).toString(16);
    return `%${upper ? hex.toUpperCase() : hex}${segment.slice(1)}`;
  };
  const tail = rest.length > 0 ? `/${rest.join('/')}` : '';
  return [
    path,
    `/${encodeFirstLetter(first, false)}${tail}`,
    `/${encodeFirstLetter(first, true)}${tail}`,
    `/%25${first.charCodeAt(0).toString(16)}${first.slice(1)}${tail}`,
    `/${first}${rest.map((segment) => `%2F${segment}`).join('')}`,
    `/${first}${rest.map((segment) => `%2f${encodeFirstLetter(segment, false)}`).join('')}`,
    `//${first}${tail}`,
    `/${first}//${rest.join('//')}`,
    `/./${first}${tail}`,
    `/nothing/../${first}${tail}`,
    `/${first}/.${tail}`,
    `${path}/`,
    `${path}?x=1`,
    `/${first.toUpperCase()}${tail}`,
    `/${first}${tail.replace(/[a-z]/, (letter) => `%${letter.charCodeAt(0).toString(16)}`)}`,
  ];
}

const adminRoutes: readonly [string, string, string | undefined][] = [
  ['POST', '/admin/keys', '{"name":"intruder"}'],
  ['GET', '/admin/keys', undefined],
  ['GET', '/admin/usage/summary', undefined],
  ['GET', '/admin/usage/requests', undefined],
  ['GET', '/admin/channels', undefined],
];
const keyRoutes: readonly [string, string, string | undefined][] = [
  ['POST', '/v1/images/edits', undefined],
  ['GET', '/v1/models', undefined],
  ['GET', '/v1/models/dall-e-2', undefined],
];

describe('route access under every spelling of the path', () => {
  let server: RunningServer;
  let userKey: string;

  before(async () => {
    server = await startServer();
    userKey = (await createKey(server, 'ordinary')).key;
  });
  after(async () => server.stop());

  test('admin routes: only the admin key gets a 2xx, however the path is spelled', async () => {
    let adminAccepted = 0;
    for (const [method, path, body] of adminRoutes) {
      for (const spelled of spellings(path)) {
        for (const [who, key] of [['nobody', null], ['ordinary key', userKey]] as const) {
          const answer = await sendRaw(server.baseUrl, method, spelled, key, body);
          assert.ok(answer.status >= 400, `${method} ${spelled} as ${who}: ${answer.status} ${answer.body}`);
          assert.ok(JSON.parse(answer.body).error, `${method} ${spelled} as ${who}: not an error envelope`);
        }
        const asAdmin = await sendRaw(server.baseUrl, method, spelled, server.adminKey, body);
        if (asAdmin.status < 300) adminAccepted++;
      }
      assert.ok((await sendRaw(server.baseUrl, method, path, server.adminKey, body)).status < 300, `${method} ${path} as admin`);
    }
    assert.ok(adminAccepted >= adminRoutes.length);
  });

  test('API routes: nothing runs without a key, however the path is spelled', async () => {
    for (const [method, path, body] of keyRoutes) {
      for (const spelled of spellings(path)) {
        const answer = await sendRaw(server.baseUrl, method, spelled, null, body);
        assert.ok(answer.status === 401 || answer.status === 404, `${method} ${spelled} with no key: ${answer.status} ${answer.body}`);
        const error = JSON.parse(answer.body).error;
        assert.ok(error && typeof error.message === 'string', `${method} ${spelled}: not an error envelope`);
      }
      const withKey = await sendRaw(server.baseUrl, 'GET', '/v1/models', userKey);
      assert.equal(withKey.status, 200);
    }
  });

  test('the ordinary key is refused by the admin API with admin_key_required, not let through', async () => {
    const answer = await sendRaw(server.baseUrl, 'POST', '/%61dmin/keys', userKey, '{"name":"x"}');
    assert.equal(answer.status, 403, answer.body);
    const anonymous = await sendRaw(server.baseUrl, 'POST', '/%61dmin/keys', null, '{"name":"x"}');
    assert.equal(anonymous.status, 401, anonymous.body);
    const edit = await sendRaw(server.baseUrl, 'POST', '/%761/images/edits', null);
    assert.equal(edit.status, 401, edit.body);
  });

  test('public routes stay public', async () => {
    for (const path of ['/health', '/openapi.json', '/', '/admin']) {
      assert.equal((await sendRaw(server.baseUrl, 'GET', path, null)).status, 200, path);
    }
  });
});

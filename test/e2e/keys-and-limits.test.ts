/**
 * Keys (admin API, revocation, first-start key), upload limits enforced while the body is
 * still arriving, slow clients, and result URL expiry — against the real server.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';
import { pngWithTransparentHole } from '../support/images.ts';
import { buildMultipart, png, postEdit } from '../support/multipart.ts';

let server: RunningServer;
let holed: Buffer;

before(async () => {
  server = await startServer({ config: { server: { bodyTimeoutMs: 1500, maxRequestBytes: 20 * 1024 * 1024 }, results: { urlTtlSeconds: 2 } } });
  holed = await pngWithTransparentHole(64);
});
after(async () => server?.stop());

function editParts() {
  return [png('image', holed), { name: 'prompt', value: 'x' }, { name: 'size', value: '256x256' }];
}

/** Sends `declaredBytes` slowly and reports when the answer came relative to what was sent. */
function uploadUntilAnswered(declaredBytes: number, head: Buffer, key: string, boundary: string) {
  return new Promise<{ status: number; sentBytes: number; body: string }>((resolve, reject) => {
    let sentBytes = 0;
    const request = http.request(`${server.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(declaredBytes) },
    });
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, sentBytes, body }));
      clearInterval(timer);
    });
    // A write error after the server answered is expected; without an answer it is a failure.
    request.on('error', (error) => {
      clearInterval(timer);
      setTimeout(() => reject(new Error(`no response after ${sentBytes} bytes: ${error.message}`)), 3000).unref();
    });
    request.write(head);
    sentBytes += head.length;
    const chunk = Buffer.alloc(256 * 1024);
    const timer = setInterval(() => {
      if (sentBytes + chunk.length > declaredBytes || request.destroyed) return clearInterval(timer);
      request.write(chunk);
      sentBytes += chunk.length;
    }, 5);
  });
}

describe('keys', () => {
  it('lets a created key call the API and refuses it after revocation', async () => {
    const { id, key } = await createKey(server, 'alice');
    assert.match(key, /^sk-pg-[0-9A-Za-z]{32}$/);
    assert.equal((await postEdit(server.baseUrl, key, editParts())).status, 200);
    const listed = await fetch(`${server.baseUrl}/admin/keys`, { headers: { authorization: `Bearer ${server.adminKey}` } });
    const entry = ((await listed.json()) as { data: Array<Record<string, unknown>> }).data.find((item) => item.id === id)!;
    assert.equal(entry.name, 'alice');
    assert.equal(entry.prefix, key.slice(0, 10));
    assert.equal(entry.key, undefined, 'the secret is never listed');
    assert.ok(entry.last_used_at);
    const revoked = await fetch(`${server.baseUrl}/admin/keys/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${server.adminKey}` } });
    assert.equal(revoked.status, 200);
    const refused = await postEdit(server.baseUrl, key, editParts());
    assert.equal(refused.status, 401);
    assert.equal(refused.json.error.code, 'invalid_api_key');
    // Log lines reach the pipe asynchronously: wait for the revocation's line.
    for (let attempt = 0; attempt < 50 && !server.stdout().includes(id); attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
    const logs = server.stdout();
    assert.ok(logs.includes(id), 'the logs show requests');
    for (const secret of [key, server.adminKey, 'signature=', 'authorization']) assert.equal(logs.includes(secret), false, `logs contain ${secret}`);
  });

  it('refuses the admin API to a non-admin key', async () => {
    const { key } = await createKey(server, 'bob');
    const response = await fetch(`${server.baseUrl}/admin/keys`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(response.status, 403);
    assert.deepEqual(await response.json(), {
      error: { message: 'This endpoint requires the admin key.', type: 'invalid_request_error', param: null, code: 'admin_key_required' },
    });
  });

  it('prints one key on the very first start when no admin key is set', async () => {
    const fresh = await startServer({ withAdminKey: false });
    try {
      const match = /\b(sk-pg-[0-9A-Za-z]{32})\b/.exec(fresh.stdout());
      assert.ok(match, fresh.stdout());
      const response = await fetch(`${fresh.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${match[1]}` } });
      assert.equal(response.status, 200);
      assert.equal(fresh.stdout().includes(match[1]), true);
      assert.equal(fresh.stdout().split(match[1]).length, 2, 'printed exactly once');
    } finally {
      await fresh.stop();
    }
  });
});

describe('upload limits', () => {
  it('refuses a body declared over the limit before it is sent', async () => {
    const { key } = await createKey(server);
    const boundary = 'limit-boundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`);
    const result = await uploadUntilAnswered(100 * 1024 * 1024, head, key, boundary);
    assert.equal(result.status, 413);
    assert.equal(JSON.parse(result.body).error.code, 'request_too_large');
    assert.ok(result.sentBytes < 10 * 1024 * 1024, `answered after ${result.sentBytes} bytes`);
  });

  it('stops reading a dall-e-2 image at its 4 MB limit instead of receiving the whole file', async () => {
    const { key } = await createKey(server);
    const boundary = 'file-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\ndall-e-2\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
    );
    const result = await uploadUntilAnswered(19 * 1024 * 1024, head, key, boundary);
    assert.equal(result.status, 400);
    assert.equal(JSON.parse(result.body).error.message, 'Uploaded image must be a PNG and less than 4 MB.');
    assert.ok(result.sentBytes < 12 * 1024 * 1024, `answered after ${result.sentBytes} bytes`);
  });

  it('answers a client that stops sending with 408 and leaves no upload behind', async () => {
    const { key } = await createKey(server);
    const { body, contentType } = buildMultipart(editParts());
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(`${server.baseUrl}/v1/images/edits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': contentType, 'content-length': String(body.length) },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: text }));
      });
      request.on('error', reject);
      request.write(body.subarray(0, body.length - 100));
    });
    assert.equal(result.status, 408);
    assert.equal(JSON.parse(result.body).error.code, 'request_timeout');
    const uploads = await readdir(path.join(server.dataDir, 'tmp', 'uploads')).catch(() => []);
    assert.deepEqual(uploads, []);
  });
});

describe('result URLs', () => {
  it('expire: 404 after the TTL and the file is removed', async () => {
    const { key } = await createKey(server);
    const response = await postEdit(server.baseUrl, key, editParts());
    assert.equal(response.status, 200);
    const url: string = response.json.data[0].url;
    assert.equal((await fetch(url)).status, 200);
    const resultsDirectory = path.join(server.dataDir, 'results');
    const before = (await readdir(resultsDirectory)).length;
    assert.ok(before > 0);
    await new Promise((resolve) => setTimeout(resolve, 2600));
    const expired = await fetch(url);
    assert.equal(expired.status, 404);
    assert.equal((await expired.json()).error.code, 'result_not_found');
    const key_ = new URL(url).pathname.split('/').pop()!;
    assert.equal((await readdir(resultsDirectory)).some((name) => name.startsWith(key_)), false);
  });
});

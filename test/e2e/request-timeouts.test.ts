/**
 * Every request ends (issue 9, item 4): a body that never wholly arrives gets the 408 envelope
 * within `server.bodyTimeoutMs` whatever its content type, headers that never end get one within
 * `server.headersTimeoutMs`, and an idle kept-alive connection is closed after
 * `server.keepAliveTimeoutMs` — without a 408, and usable until then.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';
import { parseRawResponse, rawExchange, type RawResponse } from '../support/raw-http.ts';
import { healthyBody } from '../support/healthy-body.ts';

const bodyTimeoutMs = 1_000;
const headersTimeoutMs = 800;
const keepAliveTimeoutMs = 1_500;
/** Node closes an idle kept-alive socket this long after the advertised timeout (its HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER). */
const nodeKeepAliveBufferMs = 1_000;
/** Node checks its timers every 250 ms (app.ts); the rest is scheduling on a busy machine. */
const slackMs = 700;

let server: RunningServer;
let normalKey: string;

before(async () => {
  server = await startServer({
    config: {
      server: { bodyTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs },
      models: { served: [{ id: 'dall-e-2', rules: 'dall-e-2', engine: 'stand-in' }] },
    },
  });
  ({ key: normalKey } = await createKey(server));
});
after(async () => server?.stop());

const bodyTimeoutBody = JSON.stringify({
  error: { message: 'The request body was not received within 1 seconds.', type: 'invalid_request_error', param: null, code: 'request_timeout' },
});

function assertTimedOut(response: RawResponse, body: string, afterMs: number): void {
  assert.equal(response.status, 408, response.raw.toString('latin1'));
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(response.headers.connection, 'close');
  assert.equal(response.body, body);
  assert.ok(response.elapsedMs >= afterMs - 50, `answered after ${Math.round(response.elapsedMs)} ms, before the timeout`);
  assert.ok(response.elapsedMs < afterMs + slackMs, `answered after ${Math.round(response.elapsedMs)} ms`);
}

/** A request whose Content-Length is 10 bytes more than what is sent; the socket stays open. */
function shortBody(method: string, path: string, contentType: string, body: string, key: string): string {
  return (
    `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
    `Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body) + 10}\r\n\r\n${body}`
  );
}

describe('request timeouts', () => {
  it('answers a JSON body 10 bytes short with the 408 envelope at the body timeout', async () => {
    const response = await rawExchange(server.baseUrl, shortBody('POST', '/admin/keys', 'application/json', '{"name":"stalled"}', server.adminKey), {
      untilClosed: true,
    });
    assertTimedOut(response, bodyTimeoutBody, bodyTimeoutMs);
  });

  it('does the same for a body of another content type and another route', async () => {
    const response = await rawExchange(server.baseUrl, shortBody('PATCH', '/admin/keys/key_x', 'text/plain', 'abc', server.adminKey), {
      untilClosed: true,
    });
    assertTimedOut(response, bodyTimeoutBody, bodyTimeoutMs);
  });

  it('does the same for a JSON body sent to the edits route with a normal key', async () => {
    const response = await rawExchange(server.baseUrl, shortBody('POST', '/v1/images/edits', 'application/json', '{"prompt":"x"}', normalKey), {
      untilClosed: true,
    });
    assertTimedOut(response, bodyTimeoutBody, bodyTimeoutMs);
  });

  it('stays up when a body it refused or does not read never arrives', async () => {
    const tooLarge = await rawExchange(
      server.baseUrl,
      `POST /admin/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.adminKey}\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{`,
    );
    assert.equal(tooLarge.status, 413);
    const unread = await rawExchange(server.baseUrl, 'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
    assert.equal(unread.status, 200);
    await new Promise((resolve) => setTimeout(resolve, bodyTimeoutMs + slackMs));
    const health = await fetch(`${server.baseUrl}/health`);
    assert.equal(await health.text(), healthyBody);
  });

  it('answers headers that never end with the 408 envelope at the headers timeout', async () => {
    const response = await rawExchange(server.baseUrl, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n', { untilClosed: true });
    assertTimedOut(
      response,
      JSON.stringify({
        error: {
          message: 'The request was not received in time: its headers must arrive within 0.8 seconds and the whole request within 1.8 seconds.',
          type: 'invalid_request_error',
          param: null,
          code: 'request_timeout',
        },
      }),
      headersTimeoutMs,
    );
  });

  it('keeps an idle connection usable past the headers timeout and closes it at the keep-alive timeout, without a 408', async () => {
    const { port } = new URL(server.baseUrl);
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
    const request = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n';

    socket.write(request);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const first = parseRawResponse(received, 0);
    assert.equal(first?.status, 200);
    assert.equal(first?.headers.connection, 'keep-alive');
    assert.equal(first?.headers['keep-alive'], 'timeout=1');

    // Idle for longer than the headers timeout: still open, still serving.
    await new Promise((resolve) => setTimeout(resolve, headersTimeoutMs + 300));
    received = Buffer.alloc(0);
    socket.write(request);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const idleSince = performance.now();
    const second = parseRawResponse(received, 0);
    assert.equal(second?.status, 200, received.toString('latin1'));
    assert.equal(second?.body, healthyBody);

    const closedAt = await closed;
    const idleMs = closedAt - idleSince + 200;
    assert.ok(idleMs >= keepAliveTimeoutMs + nodeKeepAliveBufferMs - 100, `closed after ${Math.round(idleMs)} ms idle`);
    assert.ok(idleMs < keepAliveTimeoutMs + nodeKeepAliveBufferMs + slackMs, `closed after ${Math.round(idleMs)} ms idle`);
    // Nothing was written after the second answer: no 408 for an idle connection.
    assert.equal(received.length, received.indexOf('\r\n\r\n') + 4 + Buffer.byteLength(healthyBody));
  });
});

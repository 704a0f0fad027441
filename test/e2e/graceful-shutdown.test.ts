/**
 * SIGTERM exits 0 well within `server.shutdownGraceMs` (issue 9, item 5): idle keep-alive
 * sockets left by finished requests (as fetch and the SDKs leave them) are closed, an edit in
 * flight still completes and its socket closes after the answer, and a request that arrives on
 * an open socket during the shutdown gets the 503 envelope.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { Agent } from 'undici';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';
import { pngWithTransparentHole } from '../support/images.ts';
import { buildMultipart, png } from '../support/multipart.ts';
import { parseRawResponse } from '../support/raw-http.ts';
import { healthyBody } from '../support/healthy-body.ts';

const shutdownGraceMs = 10_000;
/** What "promptly" means here: far below the grace, so the grace timer cannot be what ended it. */
const promptExitMs = 3_000;

function startWithSlowEngine(delayMs: number): Promise<RunningServer> {
  return startServer({
    config: {
      server: { shutdownGraceMs },
      engines: { 'stand-in': { delayMs } },
      models: { served: [{ id: 'dall-e-2', rules: 'dall-e-2', engine: 'stand-in' }] },
    },
  });
}

async function terminateAndTime(server: RunningServer): Promise<{ code: number | null; elapsedMs: number }> {
  const startedAt = performance.now();
  process.kill(server.pid, 'SIGTERM');
  const code = await server.exited;
  const elapsedMs = performance.now() - startedAt;
  await server.stop();
  // What the server printed, when it did not exit 0 (a signal, a crash), is the diagnosis.
  if (code !== 0) assert.fail(`server exited with ${code}: ${server.stderr().slice(-2000)}`);
  return { code, elapsedMs };
}

describe('graceful shutdown', () => {
  it('exits 0 promptly with an idle keep-alive connection left by a finished request', async () => {
    const server = await startWithSlowEngine(0);
    const dispatcher = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
    const response = await fetch(`${server.baseUrl}/health`, { dispatcher } as RequestInit);
    assert.equal(response.headers.get('connection'), 'keep-alive');
    assert.equal(await response.text(), healthyBody);
    const { code, elapsedMs } = await terminateAndTime(server);
    assert.equal(code, 0);
    assert.ok(elapsedMs < promptExitMs, `exit took ${Math.round(elapsedMs)} ms`);
    await dispatcher.close();
  });

  it('exits 0 promptly with a connection that was opened and never sent a request', async () => {
    // As undici leaves one after an aborted fetch, and as pre-connecting clients and balancers do.
    const server = await startWithSlowEngine(0);
    const { port } = new URL(server.baseUrl);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => {});
    const { code, elapsedMs } = await terminateAndTime(server);
    assert.equal(code, 0);
    assert.ok(elapsedMs < promptExitMs, `exit took ${Math.round(elapsedMs)} ms`);
    await closed;
  });

  it('completes an edit in flight, closes its socket after the answer, and exits 0', async () => {
    const server = await startWithSlowEngine(1_500);
    const { key } = await createKey(server);
    const dispatcher = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000, connections: 4 });
    const idle = await fetch(`${server.baseUrl}/health`, { dispatcher } as RequestInit);
    await idle.text();
    const { body, contentType } = buildMultipart([
      png('image', await pngWithTransparentHole(64)),
      { name: 'prompt', value: 'x' },
      { name: 'size', value: '256x256' },
      { name: 'response_format', value: 'b64_json' },
    ]);
    const editing = fetch(`${server.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
      body: new Uint8Array(body),
      dispatcher,
    } as RequestInit);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const exit = terminateAndTime(server);
    const response = await editing;
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('connection'), 'close');
    const result = (await response.json()) as { data: Array<{ b64_json: string }> };
    assert.equal(result.data.length, 1);
    assert.equal(Buffer.from(result.data[0].b64_json, 'base64').subarray(1, 4).toString('latin1'), 'PNG');
    const { code, elapsedMs } = await exit;
    assert.equal(code, 0);
    assert.ok(elapsedMs < 1_500 + promptExitMs, `exit took ${Math.round(elapsedMs)} ms`);
    await dispatcher.close();
  });

  it('answers a request that arrives on an open socket during the shutdown with the 503 envelope', async () => {
    const server = await startWithSlowEngine(0);
    const { port } = new URL(server.baseUrl);
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    await new Promise((resolve) => socket.once('connect', resolve));
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    // Half a request head: the socket is busy, so the shutdown does not close it as idle.
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exit = terminateAndTime(server);
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.write('\r\n');
    await closed;
    const response = parseRawResponse(Buffer.concat(received), 0);
    assert.ok(response, Buffer.concat(received).toString('latin1'));
    assert.equal(response.status, 503);
    assert.equal(response.headers['connection'], 'close');
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(
      response.body,
      '{"error":{"message":"The server is shutting down and takes no new requests. Please retry the request.","type":"server_error","param":null,"code":"server_shutting_down"}}',
    );
    const { code, elapsedMs } = await exit;
    assert.equal(code, 0);
    assert.ok(elapsedMs < promptExitMs, `exit took ${Math.round(elapsedMs)} ms`);
  });
});

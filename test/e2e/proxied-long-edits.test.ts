/**
 * Edits slower than the proxy in front, end to end with a real nginx (proxy_read_timeout 2 s)
 * before the real server, relaying gpt-image-1 to an upstream that takes 3.5 s. A sync edit
 * gets nginx's 504 but still finishes, is charged once and, with an Idempotency-Key, is parked
 * for the retry (replayed, never run twice); concurrent retries share one upstream call; a key
 * reused for another request is refused; `Prefer: respond-async` tasks are polled through the
 * proxy; a stream outlives the proxy timeout on keepalive comments; and after a SIGKILL and a
 * restart on the same data dir a task answers `failed` and every reservation is released.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import OpenAI, { APIError, toFile } from 'openai';
import sharp from 'sharp';
import { fakeUsage, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { opaquePng } from '../support/images.ts';
import { buildMultipart, type TestPart } from '../support/multipart.ts';
import { startNginx, type RunningNginx } from '../support/start-nginx.ts';
import { startServer, type RunningServer } from '../support/start-server.ts';
import { adminRequest, keyBalances, micro, usageRecordsOf } from '../support/admin-api.ts';

const proxyReadTimeoutSeconds = 2;
const upstreamDelayMs = 3500;
/** fakeUsage at gpt-image-1 prices: 100 text × $5 + 200 image × $10 + 1000 output × $40 per million. */
const settledMicroUsd = 42_500;
const creditMicroUsd = 10_000_000;

const image = await opaquePng(16, 16);

function serverConfig(upstreamBaseUrl: string, idempotencyWaitMs = 120_000) {
  return {
    server: { streamKeepaliveMs: 500 },
    tasks: { retentionSeconds: 86_400 },
    idempotency: { retentionSeconds: 86_400, waitMs: idempotencyWaitMs },
    models: { defaultModel: 'gpt-image-1', served: [{ id: 'gpt-image-1', rules: 'gpt-image-1' }] },
    channels: [{ name: 'primary', type: 'openai', baseUrl: upstreamBaseUrl, apiKey: 'sk-a', models: [{ id: 'gpt-image-1' }] }],
    routing: { failureThreshold: 1000 },
  };
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const admin = adminRequest;

async function keyWithCredit(server: RunningServer, name: string) {
  const created = await admin(server, 'POST', '/admin/keys', { name, credit_usd: creditMicroUsd / 1_000_000 });
  assert.equal(created.status, 201);
  return created.json as { id: string; key: string };
}

const keyState = keyBalances;

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

/** The key's usage records, oldest first, as [status, cost in micro-USD], once there are `expected.length` of them. */
async function assertUsageRecords(server: RunningServer, keyId: string, expected: Array<[string, number]>) {
  const records = await eventually(() => usageRecordsOf(server, keyId), (rows) => rows.length >= expected.length);
  assert.deepEqual(records.map((record) => [record.status, micro(record.cost_usd)]).reverse(), expected);
}

/** Waits for the reservation to return to 0, then checks what the key was charged in all. */
async function assertReservationReleased(server: RunningServer, keyId: string, spentMicroUsd: number) {
  const state = await eventually(() => keyState(server, keyId), (value) => value.reserved === 0);
  assert.deepEqual(state, { credit: creditMicroUsd - spentMicroUsd, spent: spentMicroUsd, reserved: 0 });
}

/** Every call gives up after this, so a missing feature fails the test instead of hanging it. */
const clientTimeoutMs = 30_000;
const sdkClient = (baseUrl: string, apiKey: string) => new OpenAI({ apiKey, baseURL: `${baseUrl}/v1`, maxRetries: 0, timeout: clientTimeoutMs });
const sdkEdit = async (prompt = 'p') => ({ model: 'gpt-image-1', prompt, image: await toFile(image, 'a.png', { type: 'image/png' }) });
const editParts = (prompt = 'p', bytes = image): TestPart[] => [
  { name: 'model', value: 'gpt-image-1' },
  { name: 'prompt', value: prompt },
  { name: 'image', filename: 'a.png', data: bytes, contentType: 'image/png' },
];

async function rawRequest(url: string, apiKey: string, init: { parts?: TestPart[]; headers?: Record<string, string> } = {}) {
  const form = init.parts ? buildMultipart(init.parts) : null;
  const method = form ? 'POST' : 'GET';
  const answer = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(form ? { 'content-type': form.contentType } : {}), ...init.headers },
    body: form ? new Uint8Array(form.body) : undefined,
    signal: AbortSignal.timeout(clientTimeoutMs),
  })
    .then(async (response) => ({ response, text: await response.text() }))
    .catch((error: Error) => {
      throw new Error(`${method} ${url} ${JSON.stringify(init.headers ?? {})}: no answer within ${clientTimeoutMs} ms (${error.name})`);
    });
  const json = (() => { try { return JSON.parse(answer.text); } catch { return answer.text; } })();
  return { status: answer.response.status, headers: answer.response.headers, json: json as any };
}

const getTask = (server: RunningServer, apiKey: string, taskId: string) => rawRequest(`${server.baseUrl}/v1/images/tasks/${taskId}`, apiKey);

/** The 504 nginx answers after proxy_read_timeout, as the SDK reports it. */
async function expectProxyTimeout(pending: Promise<unknown>) {
  const error = await pending.then(() => null, (failure: unknown) => failure);
  assert.ok(error instanceof APIError, `expected nginx's 504, got ${String(error)}`);
  assert.equal(error.status, 504);
}

function assertErrorEnvelope(response: { status: number; json: any }, status: number, code: string, type = 'invalid_request_error') {
  const { json } = response;
  assert.equal(response.status, status, JSON.stringify(json));
  assert.equal(typeof json?.error?.message, 'string', JSON.stringify(json));
  assert.ok(json.error.message.length > 0);
  assert.deepEqual(json, { error: { message: json.error.message, type, param: null, code } });
}

describe('long edits behind nginx (proxy_read_timeout 2 s, upstream 3.5 s)', () => {
  let upstream: FakeUpstream;
  let server: RunningServer;
  let bufferingNginx: RunningNginx;
  let streamingNginx: RunningNginx;

  before(async () => {
    upstream = await startFakeUpstream({ kind: 'openai', delayMs: upstreamDelayMs });
    server = await startServer({ config: serverConfig(upstream.baseUrl) });
    bufferingNginx = await startNginx({ upstreamBaseUrl: server.baseUrl, proxyReadTimeoutSeconds });
    streamingNginx = await startNginx({ upstreamBaseUrl: server.baseUrl, proxyReadTimeoutSeconds, proxyBufferingOff: true });
  });
  after(async () => {
    await bufferingNginx?.stop();
    await streamingNginx?.stop();
    await server?.stop();
    await upstream?.close();
  });

  it('a sync edit gets nginx 504; its retry with the same Idempotency-Key replays the parked result, run and charged once', async () => {
    const key = await keyWithCredit(server, 'retried-after-504');
    const upstreamCallsBefore = upstream.requests.length;
    const throughNginx = sdkClient(bufferingNginx.baseUrl, key.key);
    const idempotency = { headers: { 'Idempotency-Key': 'edit-after-504' } };
    await expectProxyTimeout(throughNginx.images.edit(await sdkEdit(), idempotency));
    // nginx gave up; the edit still finishes on the server.
    await eventually(() => usageRecordsOf(server, key.id), (rows) => rows.length > 0);
    await sleep(200);
    const replayed = await throughNginx.images.edit(await sdkEdit(), idempotency).withResponse();
    assert.equal(replayed.response.status, 200);
    assert.equal(replayed.response.headers.get('idempotent-replayed'), 'true');
    const picture = await sharp(Buffer.from(replayed.data.data![0].b64_json!, 'base64')).metadata();
    assert.deepEqual([picture.format, picture.width, picture.height], ['png', 16, 16]);
    assert.deepEqual(replayed.data.usage, fakeUsage);
    // Over a second later, directly: the same stored answer (a re-run would carry a new `created`).
    await sleep(1100);
    const again = await sdkClient(server.baseUrl, key.key).images.edit(await sdkEdit(), idempotency).withResponse();
    assert.equal(again.response.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.data, replayed.data);
    assert.equal(upstream.requests.length - upstreamCallsBefore, 1, 'one upstream call for the edit and its retries');
    await assertUsageRecords(server, key.id, [['succeeded', settledMicroUsd]]);
    await assertReservationReleased(server, key.id, settledMicroUsd);
  });

  it('four concurrent requests with one Idempotency-Key: one upstream call, the same 200 body for all', async () => {
    const key = await keyWithCredit(server, 'four-at-once');
    const upstreamCallsBefore = upstream.requests.length;
    const direct = sdkClient(server.baseUrl, key.key);
    const idempotency = { headers: { 'Idempotency-Key': 'four-at-once' } };
    const responses = await Promise.all(Array.from({ length: 4 }, async () => direct.images.edit(await sdkEdit(), idempotency).withResponse()));
    assert.deepEqual(responses.map((response) => response.response.status), [200, 200, 200, 200]);
    for (const response of responses) assert.deepEqual(response.data, responses[0].data);
    assert.equal(upstream.requests.length - upstreamCallsBefore, 1);
    await assertUsageRecords(server, key.id, [['succeeded', settledMicroUsd]]);
    await assertReservationReleased(server, key.id, settledMicroUsd);
  });

  it('the same Idempotency-Key with another prompt or other file bytes: 400 idempotency_key_reused; other API keys have their own scope', async () => {
    const key = await keyWithCredit(server, 'reuses-a-key');
    const headers = { 'Idempotency-Key': 'used-once' };
    upstream.cue({ kind: 'openai', delayMs: 0 });
    const original = await rawRequest(`${server.baseUrl}/v1/images/edits`, key.key, { parts: editParts('first prompt'), headers });
    assert.equal(original.status, 200);
    const upstreamCallsBefore = upstream.requests.length;
    const otherPrompt = await rawRequest(`${server.baseUrl}/v1/images/edits`, key.key, { parts: editParts('second prompt'), headers });
    assertErrorEnvelope(otherPrompt, 400, 'idempotency_key_reused');
    const otherBytes = await rawRequest(`${server.baseUrl}/v1/images/edits`, key.key, { parts: editParts('first prompt', await opaquePng(17, 17)), headers });
    assertErrorEnvelope(otherBytes, 400, 'idempotency_key_reused');
    assert.equal(upstream.requests.length, upstreamCallsBefore, 'a refused reuse sends nothing upstream');
    const otherApiKey = await keyWithCredit(server, 'same-idempotency-key-other-api-key');
    upstream.cue({ kind: 'openai', delayMs: 0 });
    const separate = await rawRequest(`${server.baseUrl}/v1/images/edits`, otherApiKey.key, { parts: editParts('second prompt'), headers });
    assert.equal(separate.status, 200);
    assert.equal(separate.headers.get('idempotent-replayed'), null);
    assert.equal(upstream.requests.length, upstreamCallsBefore + 1);
  });

  it('without an Idempotency-Key, a client gone at the 504 is recorded client_gone and charged once', async () => {
    const key = await keyWithCredit(server, 'gone-without-key');
    await expectProxyTimeout(sdkClient(bufferingNginx.baseUrl, key.key).images.edit(await sdkEdit()));
    await assertUsageRecords(server, key.id, [['client_gone', settledMicroUsd]]);
    await assertReservationReleased(server, key.id, settledMicroUsd);
  });

  it('Prefer: respond-async through nginx: 202 task, polled until succeeded with the sync ImagesResponse; other keys get 404; a bad request is a sync 400', async () => {
    const key = await keyWithCredit(server, 'async-owner');
    const stranger = await keyWithCredit(server, 'async-stranger');
    const throughNginx = sdkClient(bufferingNginx.baseUrl, key.key);
    const submitted = await throughNginx.images.edit(await sdkEdit(), { headers: { Prefer: 'respond-async' } }).withResponse();
    const task = submitted.data as unknown as { id: string; object: string; status: string; created_at: number };
    assert.equal(submitted.response.status, 202);
    assert.match(task.id, /^task_[A-Za-z0-9_-]+$/);
    assert.deepEqual(task, { id: task.id, object: 'image.edit.task', status: 'queued', created_at: task.created_at });
    assert.ok(Math.abs(task.created_at - Date.now() / 1000) < 60, `created_at ${task.created_at} is unix seconds`);
    const header = (name: string) => submitted.response.headers.get(name);
    assert.deepEqual([header('location'), header('preference-applied'), header('cache-control')], [`/v1/images/tasks/${task.id}`, 'respond-async', 'no-store']);
    assert.match(header('retry-after') ?? '', /^\d+$/);

    const seenStatuses = new Set<string>();
    const polled = await eventually(
      async () => {
        const { data, response } = await throughNginx.get<any>(`/images/tasks/${task.id}`).withResponse();
        assert.equal(response.headers.get('cache-control'), 'no-store');
        seenStatuses.add(data.status);
        return data;
      },
      (data) => data.status !== 'queued' && data.status !== 'in_progress',
      20_000,
    );
    assert.equal(polled.status, 'succeeded', JSON.stringify(polled).slice(0, 400));
    assert.deepEqual([...seenStatuses].filter((status) => !['queued', 'in_progress', 'succeeded'].includes(status)), []);
    assert.deepEqual([polled.id, polled.object, polled.created_at], [task.id, 'image.edit.task', task.created_at]);
    upstream.cue({ kind: 'openai', delayMs: 0 });
    const synchronous = await sdkClient(server.baseUrl, key.key).images.edit(await sdkEdit());
    assert.deepEqual(Object.keys(polled.result), Object.keys(synchronous));
    assert.deepEqual({ ...polled.result, created: 0 }, { ...synchronous, created: 0 });

    const foreign = await rawRequest(`${bufferingNginx.baseUrl}/v1/images/tasks/${task.id}`, stranger.key);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.json?.error?.code, 'task_not_found');

    const upstreamCallsBefore = upstream.requests.length;
    const withoutPrompt = editParts().filter((part) => part.name !== 'prompt');
    const refused = await rawRequest(`${bufferingNginx.baseUrl}/v1/images/edits`, key.key, { parts: withoutPrompt, headers: { Prefer: 'respond-async' } });
    assert.equal(refused.status, 400);
    assert.deepEqual([refused.json?.error?.param, refused.json?.error?.code], ['prompt', 'missing_required_parameter']);
    assert.equal(refused.headers.get('location'), null);
    assert.equal(upstream.requests.length, upstreamCallsBefore);
    await assertUsageRecords(server, key.id, [['succeeded', settledMicroUsd], ['succeeded', settledMicroUsd]]);
    await assertReservationReleased(server, key.id, 2 * settledMicroUsd);
  });

  it('a stream through nginx (proxy_buffering off) outlives proxy_read_timeout on keepalive comments and ends with image_edit.completed', async () => {
    const key = await keyWithCredit(server, 'streams');
    const form = buildMultipart([...editParts(), { name: 'stream', value: 'true' }]);
    const startedAt = Date.now();
    const response = await fetch(`${streamingNginx.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': form.contentType },
      body: new Uint8Array(form.body),
      signal: AbortSignal.timeout(clientTimeoutMs),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    assert.ok(Date.now() - startedAt >= upstreamDelayMs - 100, 'the stream lasted past the proxy timeout');
    const firstEventAt = text.indexOf('event:');
    assert.ok(firstEventAt > 0, `keepalives before the first event; received: ${text.slice(0, 300)}`);
    assert.match(text.slice(0, firstEventAt), /^(: keepalive\n\n){3,}$/);
    const frames = text.slice(firstEventAt).split('\n\n').filter((frame) => frame.length > 0 && !frame.startsWith(':'));
    const last = frames.at(-1)!;
    assert.match(last, /^event: image_edit\.completed\n/);
    const completed = JSON.parse(/^data: (.*)$/m.exec(last)![1]);
    assert.equal(completed.type, 'image_edit.completed');
    assert.ok(completed.b64_json.length > 100);

    // The SDK's own stream reader passes over the comments.
    const types: string[] = [];
    const stream = await sdkClient(streamingNginx.baseUrl, key.key).images.edit({ ...(await sdkEdit()), stream: true });
    for await (const event of stream) types.push(event.type);
    assert.equal(types.at(-1), 'image_edit.completed');
    await assertUsageRecords(server, key.id, [['succeeded', settledMicroUsd], ['succeeded', settledMicroUsd]]);
    await assertReservationReleased(server, key.id, 2 * settledMicroUsd);
  });
});

describe('a server killed mid-task (idempotency.waitMs 500)', () => {
  let upstream: FakeUpstream;
  let killedServer: RunningServer;
  let restartedServer: RunningServer | undefined;
  let killed = false;

  before(async () => {
    upstream = await startFakeUpstream({ kind: 'openai', delayMs: upstreamDelayMs });
    killedServer = await startServer({ config: serverConfig(upstream.baseUrl, 500) });
  });
  after(async () => {
    await restartedServer?.stop();
    // stop() would wait for an exit that already happened; the data dir is removed here instead.
    if (killed) await rm(killedServer.dataDir, { recursive: true, force: true });
    else await killedServer?.stop();
    await upstream?.close();
  });

  it('a retry while the original runs past idempotency.waitMs: 409 idempotency_request_in_progress, then the replay', async () => {
    const key = await keyWithCredit(killedServer, 'waits-too-long');
    const headers = { 'Idempotency-Key': 'slow-original' };
    const editsUrl = `${killedServer.baseUrl}/v1/images/edits`;
    const upstreamCallsBefore = upstream.requests.length;
    const original = rawRequest(editsUrl, key.key, { parts: editParts(), headers });
    await eventually(async () => upstream.requests.length, (count) => count > upstreamCallsBefore, 5_000);
    const retriedAt = Date.now();
    const retry = await rawRequest(editsUrl, key.key, { parts: editParts(), headers });
    assert.equal(retry.status, 409, JSON.stringify(retry.json));
    assert.equal(retry.json?.error?.code, 'idempotency_request_in_progress');
    assert.deepEqual(Object.keys(retry.json.error), ['message', 'type', 'param', 'code']);
    assert.ok(Date.now() - retriedAt >= 400, 'the retry waited idempotency.waitMs first');
    assert.equal((await original).status, 200);
    const replay = await rawRequest(editsUrl, key.key, { parts: editParts(), headers });
    assert.deepEqual([replay.status, replay.headers.get('idempotent-replayed')], [200, 'true']);
    assert.equal(upstream.requests.length, upstreamCallsBefore + 1);
  });

  it('after SIGKILL with a task and a sync edit in progress, a restart on the same data dir fails the task and releases both reservations', async () => {
    const key = await keyWithCredit(killedServer, 'killed-mid-task');
    const syncKey = await keyWithCredit(killedServer, 'killed-mid-sync-edit');
    upstream.cue({ kind: 'hang' }, { kind: 'hang' });
    const submitted = await rawRequest(`${killedServer.baseUrl}/v1/images/edits`, key.key, { parts: editParts(), headers: { Prefer: 'respond-async' } });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.json));
    const taskId = submitted.json.id as string;
    const running = await eventually(() => getTask(killedServer, key.key, taskId), (task) => task.json?.status === 'in_progress', 10_000);
    assert.equal(running.json?.status, 'in_progress');
    assert.ok((await keyState(killedServer, key.id)).reserved > 0, 'credit is reserved while the task runs');
    const syncEdit = rawRequest(`${killedServer.baseUrl}/v1/images/edits`, syncKey.key, { parts: editParts() }).catch(() => null);
    assert.ok((await eventually(() => keyState(killedServer, syncKey.id), (state) => state.reserved > 0, 10_000)).reserved > 0);

    process.kill(killedServer.pid, 'SIGKILL');
    killed = true;
    await killedServer.exited;
    await syncEdit;
    restartedServer = await startServer({ config: serverConfig(upstream.baseUrl, 500), env: { DATA_DIR: killedServer.dataDir } });
    const settled = await eventually(() => getTask(restartedServer!, key.key, taskId), (task) => !['queued', 'in_progress'].includes(task.json?.status), 10_000);
    assert.equal(settled.status, 200);
    assert.equal(settled.json.status, 'failed', JSON.stringify(settled.json));
    assert.deepEqual(Object.keys(settled.json.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(settled.json.error.code, 'task_interrupted');
    assert.equal('result' in settled.json, false);
    await assertReservationReleased(restartedServer, key.id, 0);
    await assertReservationReleased(restartedServer, syncKey.id, 0);
    await assertUsageRecords(restartedServer, key.id, [['interrupted', 0]]);
    await assertUsageRecords(restartedServer, syncKey.id, [['interrupted', 0]]);
  });
});

describe('a slow built-in engine behind nginx (stand-in engine taking 3.5 s)', () => {
  let server: RunningServer;
  let nginx: RunningNginx;
  const builtInMicroUsd = 10_000;

  before(async () => {
    server = await startServer({
      config: {
        engines: { 'stand-in': { delayMs: upstreamDelayMs } },
        models: { defaultModel: 'pixelgate-fill', served: [{ id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'stand-in' }] },
        billing: { builtInPerImageUsd: builtInMicroUsd / 1_000_000 },
      },
    });
    nginx = await startNginx({ upstreamBaseUrl: server.baseUrl, proxyReadTimeoutSeconds });
  });
  after(async () => {
    await nginx?.stop();
    await server?.stop();
  });

  const fillEdit = async () => ({ model: 'pixelgate-fill', prompt: 'p', image: await toFile(image, 'a.png', { type: 'image/png' }) });

  it('the 504 edit finishes; its Idempotency-Key retry gets the result; an async task through nginx succeeds; each charged once', async () => {
    const key = await keyWithCredit(server, 'built-in-behind-nginx');
    const client = sdkClient(nginx.baseUrl, key.key);
    const idempotency = { headers: { 'Idempotency-Key': 'built-in-504' } };
    await expectProxyTimeout(client.images.edit(await fillEdit(), idempotency));
    await eventually(() => usageRecordsOf(server, key.id), (rows) => rows.length > 0);
    const replayed = await client.images.edit(await fillEdit(), idempotency).withResponse();
    assert.deepEqual([replayed.response.status, replayed.response.headers.get('idempotent-replayed')], [200, 'true']);
    assert.ok(replayed.data.data![0].b64_json!.length > 50);

    const task = (await client.images.edit(await fillEdit(), { headers: { Prefer: 'respond-async' } })) as unknown as { id: string };
    const polled = await eventually(() => client.get<any>(`/images/tasks/${task.id}`), (data) => data.status === 'succeeded' || data.status === 'failed', 20_000);
    assert.equal(polled.status, 'succeeded', JSON.stringify(polled).slice(0, 300));
    assert.ok(polled.result.data[0].b64_json.length > 50);
    await assertUsageRecords(server, key.id, [['succeeded', builtInMicroUsd], ['succeeded', builtInMicroUsd]]);
    await assertReservationReleased(server, key.id, 2 * builtInMicroUsd);
  });
});

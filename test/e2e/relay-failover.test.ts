/**
 * Failover end to end: one model on two upstream channels (priority 2 and 1) that fail on
 * cue. Asserts the order in which upstreams were tried, that retryable failures (500, 429 with
 * retry-after, hang, reset mid-body) move to the next channel, that a stream which already
 * reached the client is not retried, the circuit breaker (open, then probed) as
 * `GET /admin/channels` shows it, and the 503 when every channel failed.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { opaquePng } from '../support/images.ts';
import { buildMultipart, postEdit, type TestPart } from '../support/multipart.ts';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';

let primary: FakeUpstream;
let backup: FakeUpstream;
let server: RunningServer;
let key: string;
let image: Buffer;

const openDurationMs = 3000;

before(async () => {
  primary = await startFakeUpstream();
  backup = await startFakeUpstream();
  image = await opaquePng(16, 16);
  const channel = (name: string, upstream: FakeUpstream, priority: number) => ({
    name,
    type: 'openai-compatible',
    baseUrl: upstream.baseUrl,
    apiKey: `sk-${name}`,
    models: [{ id: 'gpt-image-1' }],
    priority,
    firstByteTimeoutMs: 1500,
  });
  server = await startServer({
    config: {
      models: { served: [{ id: 'dall-e-2', rules: 'dall-e-2', engine: 'stand-in' }, { id: 'gpt-image-1', rules: 'gpt-image-1' }] },
      channels: [channel('primary', primary, 2), channel('backup', backup, 1)],
      routing: { failureThreshold: 2, openDurationMs },
    },
  });
  key = (await createKey(server, 'failover')).key;
});
after(async () => {
  await server?.stop();
  await primary?.close();
  await backup?.close();
});

const editParts = (extra: TestPart[] = []): TestPart[] => [
  { name: 'model', value: 'gpt-image-1' },
  { name: 'prompt', value: 'p' },
  ...extra,
  { name: 'image', filename: 'a.png', data: image, contentType: 'image/png' },
];

/** Which upstream got each request of the next edit, in order. */
async function editAndTrace(extra: TestPart[] = []) {
  const before = { primary: primary.requests.length, backup: backup.requests.length };
  const response = await postEdit(server.baseUrl, key, editParts(extra));
  return { response, primaryCalls: primary.requests.length - before.primary, backupCalls: backup.requests.length - before.backup };
}

async function channels(): Promise<Record<string, any>> {
  const response = await fetch(`${server.baseUrl}/admin/channels`, { headers: { authorization: `Bearer ${server.adminKey}` } });
  const body = (await response.json()) as { data: Array<{ name: string }> };
  return Object.fromEntries(body.data.map((channel) => [channel.name, channel]));
}

/** Lets an opened circuit pass its open period and closes it with a successful probe. */
async function healPrimary() {
  const state = (await channels()).primary;
  if (state.state === 'up') return;
  if (state.open_until) await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(state.open_until) - Date.now()) + 50));
  await editAndTrace();
  assert.equal((await channels()).primary.state, 'up');
}

describe('relay failover', () => {
  beforeEach(healPrimary);

  it('the highest priority channel serves while it is healthy; the built-in engine is listed too', async () => {
    const { response, primaryCalls, backupCalls } = await editAndTrace();
    assert.equal(response.status, 200);
    assert.deepEqual([primaryCalls, backupCalls], [1, 0]);
    const listed = await channels();
    assert.deepEqual(Object.keys(listed), ['stand-in', 'primary', 'backup']);
    assert.deepEqual(listed['stand-in'], {
      name: 'stand-in', type: 'stand-in', models: ['dall-e-2'], state: 'up', consecutive_failures: 0, last_error: null, last_error_at: null, open_until: null,
    });
  });

  for (const [label, behaviour] of [
    ['500', { kind: 'status', status: 500 }],
    ['a hang past firstByteTimeoutMs', { kind: 'hang' }],
    ['a connection reset mid-body', { kind: 'reset-mid-body' }],
  ] as const) {
    it(`${label} on the primary fails over to the backup`, async () => {
      primary.cue(behaviour);
      const { response, primaryCalls, backupCalls } = await editAndTrace();
      assert.equal(response.status, 200, JSON.stringify(response.json));
      assert.equal(backupCalls, 1);
      // A reset drops the request before the fake upstream records it.
      assert.equal(primaryCalls, behaviour.kind === 'reset-mid-body' ? 0 : 1);
      const primaryState = (await channels()).primary;
      assert.equal(primaryState.state, 'failing');
      assert.equal(primaryState.consecutive_failures, 1);
      assert.match(primaryState.last_error, /Upstream 'primary'/);
    });
  }

  it('429 with retry-after: fails over and keeps the primary out until retry-after has passed', async () => {
    primary.cue({ kind: 'status', status: 429, retryAfterSeconds: 3 });
    const first = await editAndTrace();
    assert.deepEqual([first.response.status, first.primaryCalls, first.backupCalls], [200, 1, 1]);
    const state = (await channels()).primary;
    assert.equal(state.state, 'open');
    const openForMs = Date.parse(state.open_until) - Date.now();
    assert.ok(openForMs > 0 && openForMs <= 3000, String(openForMs));
    const second = await editAndTrace();
    assert.deepEqual([second.primaryCalls, second.backupCalls], [0, 1]);
  });

  it('after failureThreshold failures the circuit opens; once open time has passed one probe closes it', async () => {
    primary.cue({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    await editAndTrace();
    await editAndTrace();
    const opened = (await channels()).primary;
    assert.deepEqual([opened.state, opened.consecutive_failures], ['open', 2]);
    const whileOpen = await editAndTrace();
    assert.deepEqual([whileOpen.primaryCalls, whileOpen.backupCalls], [0, 1]);
    await new Promise((resolve) => setTimeout(resolve, openDurationMs + 50));
    const probe = await editAndTrace();
    assert.deepEqual([probe.primaryCalls, probe.backupCalls], [1, 0]);
    assert.equal((await channels()).primary.state, 'up');
  });

  it('a 400 is not retried on another channel', async () => {
    primary.cue({ kind: 'status', status: 400, body: { error: { message: 'bad', type: 'invalid_request_error', param: 'prompt', code: null } } });
    const { response, primaryCalls, backupCalls } = await editAndTrace();
    assert.equal(response.status, 400);
    assert.deepEqual([primaryCalls, backupCalls], [1, 0]);
    assert.equal((await channels()).primary.state, 'up');
  });

  it('every channel failing gives 503 upstream_unavailable with retry-after', async () => {
    primary.cue({ kind: 'status', status: 500 });
    backup.cue({ kind: 'status', status: 502 });
    const { response, primaryCalls, backupCalls } = await editAndTrace();
    assert.deepEqual([primaryCalls, backupCalls], [1, 1]);
    assert.equal(response.status, 503);
    assert.deepEqual(response.json, {
      error: { message: 'No upstream provider could serve the model `gpt-image-1` right now. Please try again in 1s.', type: 'server_error', param: null, code: 'upstream_unavailable' },
    });
    assert.equal(response.headers.get('retry-after'), '1');
  });

  it('a stream that fails after its first event is not failed over: the client gets the partial and an error event', async () => {
    primary.cue({ kind: 'stream-then-error' });
    const before = backup.requests.length;
    const { body, contentType } = buildMultipart(editParts([{ name: 'stream', value: 'true' }, { name: 'partial_images', value: '1' }]));
    const response = await fetch(`${server.baseUrl}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body: new Uint8Array(body) });
    const text = await response.text();
    const events = text.trim().split('\n\n').map((frame) => frame.split('\n')[0]);
    assert.deepEqual(events, ['event: image_edit.partial_image', 'event: error']);
    assert.match(text, /"code":"upstream_cued"/);
    assert.equal(backup.requests.length, before);
  });

  it('a stream whose upstream fails before any event fails over', async () => {
    primary.cue({ kind: 'status', status: 500 });
    const { body, contentType } = buildMultipart(editParts([{ name: 'stream', value: 'true' }]));
    const response = await fetch(`${server.baseUrl}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body: new Uint8Array(body) });
    const text = await response.text();
    assert.match(text, /^event: image_edit.completed\n/);
  });
});

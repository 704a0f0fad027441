/**
 * `Idempotency-Key` end to end with the official SDK and a slow OpenAI-like upstream that
 * counts its calls: a retry after the first finished replays its answer; concurrent retries
 * make one upstream call; a client that hangs up still gets its paid result on the retry; a
 * different request under the same key is refused; each edit is charged once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { opaquePng } from '../support/images.ts';
import { adminRequest, keyBalances, usageRecordsOf } from '../support/admin-api.ts';
import { startServer, type RunningServer } from '../support/start-server.ts';

let upstream: FakeUpstream;
let server: RunningServer;
let image: Buffer;

/** fakeUsage at gpt-image-1 prices: 100 text × $5 + 200 image × $10 + 1000 output × $40 per million. */
const settledMicroUsd = 42_500;

before(async () => {
  upstream = await startFakeUpstream();
  upstream.fallback = { kind: 'openai', delayMs: 600 };
  image = await opaquePng(16, 16);
  server = await startServer({
    config: {
      models: { defaultModel: 'gpt-image-1', served: [{ id: 'gpt-image-1', rules: 'gpt-image-1' }] },
      channels: [{ name: 'primary', type: 'openai', baseUrl: upstream.baseUrl, apiKey: 'sk-a', models: [{ id: 'gpt-image-1' }] }],
      routing: { failureThreshold: 1000 },
    },
  });
});
after(async () => {
  await server?.stop();
  await upstream?.close();
});

const admin = (method: string, route: string, body?: unknown) => adminRequest(server, method, route, body);

async function keyWithCredit(name: string): Promise<{ id: string; client: OpenAI }> {
  const created = await admin('POST', '/admin/keys', { name, credit_usd: 10 });
  assert.equal(created.status, 201);
  return { id: created.json.id, client: new OpenAI({ apiKey: created.json.key, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 }) };
}

const recordsOf = (keyId: string) => usageRecordsOf(server, keyId);

async function keyState(id: string) {
  const { spent, reserved } = await keyBalances(server, id);
  return { spent, reserved };
}

async function edit(client: OpenAI, idempotencyKey: string, prompt = 'a lighthouse') {
  return client.images
    .edit({ model: 'gpt-image-1', image: await toFile(image, 'a.png', { type: 'image/png' }), prompt }, { headers: { 'Idempotency-Key': idempotencyKey } })
    .withResponse();
}

describe('Idempotency-Key', () => {
  it('a retry after the first finished replays the same answer: one upstream call, one charge', async () => {
    const { id, client } = await keyWithCredit('replay');
    const callsBefore = upstream.requests.length;
    const first = await edit(client, 'replay-1');
    const again = await edit(client, 'replay-1');
    assert.equal(first.response.headers.get('idempotent-replayed'), null);
    assert.equal(again.response.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.data, first.data);
    assert.equal(upstream.requests.length - callsBefore, 1);
    const records = await recordsOf(id);
    assert.deepEqual(records.map((record) => [record.status, Math.round(record.cost_usd * 1e6)]), [['succeeded', settledMicroUsd]]);
    assert.deepEqual(await keyState(id), { spent: settledMicroUsd, reserved: 0 });
  });

  it('concurrent retries with one key make one upstream call and all get its answer', async () => {
    const { id, client } = await keyWithCredit('concurrent');
    const callsBefore = upstream.requests.length;
    const answers = await Promise.all(Array.from({ length: 4 }, () => edit(client, 'burst-1')));
    assert.equal(upstream.requests.length - callsBefore, 1);
    for (const answer of answers) assert.deepEqual(answer.data, answers[0].data);
    assert.equal(answers.filter((answer) => answer.response.headers.get('idempotent-replayed') === 'true').length, 3);
    assert.equal((await recordsOf(id)).length, 1);
  });

  it('a client that hangs up mid-edit gets the finished result on its retry, charged once', async () => {
    const { id, client } = await keyWithCredit('parked');
    const callsBefore = upstream.requests.length;
    const hangUp = new AbortController();
    const first = client.images
      .edit({ model: 'gpt-image-1', image: await toFile(image, 'a.png', { type: 'image/png' }), prompt: 'parked' }, { headers: { 'Idempotency-Key': 'parked-1' }, signal: hangUp.signal })
      .catch((error: Error) => error);
    setTimeout(() => hangUp.abort(), 200);
    assert.ok((await first) instanceof Error);
    const retry = await edit(client, 'parked-1', 'parked');
    assert.equal(retry.data.data?.length, 1);
    assert.equal(upstream.requests.length - callsBefore, 1, 'the retry did not call the upstream again');
    const records = await recordsOf(id);
    assert.deepEqual(records.map((record) => record.status), ['succeeded']);
    assert.deepEqual(await keyState(id), { spent: settledMicroUsd, reserved: 0 });
  });

  it('the same key with a different request is refused with idempotency_key_reused; keys are per API key', async () => {
    const { client } = await keyWithCredit('reuse');
    await edit(client, 'reuse-1', 'one prompt');
    await assert.rejects(edit(client, 'reuse-1', 'another prompt'), (error: any) => {
      assert.equal(error.status, 400);
      assert.deepEqual(error.error, {
        message: 'This Idempotency-Key was already used with a different request. Use a new key for a new request; a retry must send the same fields and files.',
        type: 'invalid_request_error',
        param: null,
        code: 'idempotency_key_reused',
      });
      return true;
    });
    const other = await keyWithCredit('reuse-other');
    const fresh = await edit(other.client, 'reuse-1', 'another prompt');
    assert.equal(fresh.response.headers.get('idempotent-replayed'), null, "another API key's use of the same key is its own");
  });

  it('a stream with a key runs once: its retry streams the stored completed event; an async retry gets the same task', async () => {
    const { id, client } = await keyWithCredit('streams-and-tasks');
    const callsBefore = upstream.requests.length;
    const streamed = async () => {
      const events: any[] = [];
      const stream = await client.images.edit(
        { model: 'gpt-image-1', image: await toFile(image, 'a.png', { type: 'image/png' }), prompt: 'streamed', stream: true },
        { headers: { 'Idempotency-Key': 'stream-1' } },
      );
      for await (const event of stream) events.push(event);
      return events.filter((event) => event.type === 'image_edit.completed');
    };
    const [first] = await streamed();
    const [replayed] = await streamed();
    assert.equal(replayed.b64_json, first.b64_json);
    assert.deepEqual([replayed.output_format, replayed.usage], [first.output_format, first.usage]);
    assert.equal(upstream.requests.length - callsBefore, 1, 'the stream retry did not call the upstream');

    const taskImage = await toFile(image, 'a.png', { type: 'image/png' });
    const submit = () =>
      client.images
        .edit({ model: 'gpt-image-1', image: taskImage, prompt: 'async' }, { headers: { 'Idempotency-Key': 'task-1', Prefer: 'respond-async' } })
        .withResponse();
    const task = await submit();
    const again = await submit();
    assert.deepEqual([task.response.status, again.response.status, again.response.headers.get('idempotent-replayed')], [202, 202, 'true']);
    assert.equal((again.data as any).id, (task.data as any).id);
    // The same key without the preference is another request.
    await assert.rejects(edit(client, 'task-1', 'async'), (error: any) => error.status === 400 && error.error.code === 'idempotency_key_reused');
    for (;;) {
      const polled = await client.get<any>(`/images/tasks/${(task.data as any).id}`);
      if (polled.status === 'succeeded') break;
      assert.ok(['queued', 'in_progress'].includes(polled.status), JSON.stringify(polled));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(upstream.requests.length - callsBefore, 2);
    const records = await recordsOf(id);
    assert.deepEqual(records.map((record) => record.status), ['succeeded', 'succeeded']);
    assert.deepEqual(await keyState(id), { spent: 2 * settledMicroUsd, reserved: 0 });
  });

  it('refuses an empty or overlong key', async () => {
    const { client } = await keyWithCredit('bad-key');
    await assert.rejects(edit(client, 'x'.repeat(256)), (error: any) => error.status === 400 && error.error.code === 'invalid_idempotency_key');
  });
});

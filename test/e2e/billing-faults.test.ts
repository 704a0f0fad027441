/**
 * Money under faults, end to end: an edit the upstream was paid for is delivered even when the
 * usage write fails (the settlement is retried until it lands, and the reservation with it), and
 * a client that goes away mid-edit still has its edit finished, recorded as `client_gone`/499 and charged, with its
 * reservation released. The write failure is real: the test adds a trigger to the server's own
 * SQLite file that makes every insert into `usage_records` fail, then drops it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { fakeUsage, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { opaquePng } from '../support/images.ts';
import { buildMultipart, postEdit, type TestPart } from '../support/multipart.ts';
import { adminRequest, keyBalances, micro, usageRecordsOf } from '../support/admin-api.ts';
import { startServer, type RunningServer } from '../support/start-server.ts';

let upstream: FakeUpstream;
let server: RunningServer;
let image: Buffer;

/** fakeUsage at gpt-image-1 prices: 100 text × $5 + 200 image × $10 + 1000 output × $40 per million. */
const settledMicroUsd = 42_500;

before(async () => {
  upstream = await startFakeUpstream();
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

const gptEdit = (): TestPart[] => [
  { name: 'model', value: 'gpt-image-1' },
  { name: 'prompt', value: 'p' },
  { name: 'image', filename: 'a.png', data: image, contentType: 'image/png' },
];


async function keyWithCredit(name: string) {
  const created = await admin('POST', '/admin/keys', { name, credit_usd: 10 });
  assert.equal(created.status, 201);
  return created.json as { id: string; key: string };
}

const keyState = (id: string) => keyBalances(server, id);
const recordsOf = (keyId: string) => usageRecordsOf(server, keyId);

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('billing under faults', () => {
  it('delivers a paid result when the usage write fails, then settles it once the write succeeds', async () => {
    const key = await keyWithCredit('write-fails');
    const database = new Database(path.join(server.dataDir, 'pixelgate.db'));
    try {
      database.exec(`CREATE TRIGGER fail_usage BEFORE INSERT ON usage_records BEGIN SELECT RAISE(FAIL, 'disk on fire'); END;`);
      const response = await postEdit(server.baseUrl, key.key, gptEdit());
      assert.equal(response.status, 200, 'a result the upstream was paid for still reaches the client');
      const body = response.json as { data: { b64_json: string }[]; usage: unknown };
      assert.ok(body.data[0].b64_json.length > 100);
      assert.deepEqual(body.usage, fakeUsage);
      // While the write keeps failing the reservation stays held and nothing is recorded.
      assert.equal((await recordsOf(key.id)).length, 0);
      assert.ok((await keyState(key.id)).reserved > 0);
    } finally {
      database.exec('DROP TRIGGER IF EXISTS fail_usage');
      database.close();
    }
    const records = await eventually(() => recordsOf(key.id), (rows) => rows.length > 0);
    assert.equal(records.length, 1);
    assert.deepEqual([records[0].status, records[0].http_status, micro(records[0].cost_usd)], ['succeeded', 200, settledMicroUsd]);
    const state = await eventually(() => keyState(key.id), (value) => value.reserved === 0);
    assert.deepEqual(state, { credit: 10_000_000 - settledMicroUsd, spent: settledMicroUsd, reserved: 0 });
  });

  it('finishes an edit whose client went away: recorded client_gone/499, charged once, reservation released', async () => {
    const key = await keyWithCredit('goes-away');
    upstream.cue({ kind: 'openai', delayMs: 1_000 });
    const form = buildMultipart(gptEdit());
    const controller = new AbortController();
    const pending = fetch(`${server.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': form.contentType },
      body: new Uint8Array(form.body),
      signal: controller.signal,
    }).catch((error: Error) => error);
    await eventually(() => keyState(key.id), (value) => value.reserved > 0, 5_000);
    controller.abort();
    assert.equal(((await pending) as Error).name, 'AbortError');
    const records = await eventually(() => recordsOf(key.id), (rows) => rows.length > 0);
    assert.deepEqual(
      records.map((record) => [record.status, record.http_status, micro(record.cost_usd)]),
      [['client_gone', 499, settledMicroUsd]],
    );
    assert.deepEqual(await eventually(() => keyState(key.id), (value) => value.reserved === 0), {
      credit: 10_000_000 - settledMicroUsd,
      spent: settledMicroUsd,
      reserved: 0,
    });
  });
});

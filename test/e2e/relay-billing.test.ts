/**
 * Key limits, credit and usage end to end, with a GPT image model relayed to two upstreams
 * and dall-e-2 on the built-in stand-in. Asserts the admin API shapes the web console relies
 * on, the 403/429 refusals, that concurrent edits cannot spend the same credit, and that after
 * a run with injected faults the ledger balances: credit spent equals the sum of the settled
 * costs, failed and failed-over edits cost nothing, and each edit has exactly one usage record.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fakeUsage, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { opaquePng } from '../support/images.ts';
import { buildMultipart, postEdit, type TestPart } from '../support/multipart.ts';
import { startServer, type RunningServer } from '../support/start-server.ts';

let primary: FakeUpstream;
let backup: FakeUpstream;
let server: RunningServer;
let image: Buffer;

/** fakeUsage at gpt-image-1 prices: 100 text × $5 + 200 image × $10 + 1000 output × $40 per million. */
const settledMicroUsd = 42_500;
/** Reserved for a one-image, one-character-prompt gpt-image-1 edit: 1 × 5 + 1600 × 10 + 6240 × 40. */
const estimateMicroUsd = 265_605;

before(async () => {
  primary = await startFakeUpstream();
  backup = await startFakeUpstream();
  image = await opaquePng(16, 16);
  server = await startServer({
    config: {
      models: { served: [{ id: 'dall-e-2', rules: 'dall-e-2', engine: 'stand-in' }, { id: 'gpt-image-1', rules: 'gpt-image-1' }] },
      channels: [
        { name: 'primary', type: 'openai', baseUrl: primary.baseUrl, apiKey: 'sk-a', models: [{ id: 'gpt-image-1' }], priority: 1 },
        { name: 'backup', type: 'openai', baseUrl: backup.baseUrl, apiKey: 'sk-b', models: [{ id: 'gpt-image-1' }] },
      ],
      routing: { failureThreshold: 1000 },
      billing: { builtInPerImageUsd: 0.001 },
    },
  });
});
after(async () => {
  await server?.stop();
  await primary?.close();
  await backup?.close();
});

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(server.baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

const gptEdit = (extra: TestPart[] = []): TestPart[] => [
  { name: 'model', value: 'gpt-image-1' },
  { name: 'prompt', value: 'p' },
  ...extra,
  { name: 'image', filename: 'a.png', data: image, contentType: 'image/png' },
];

const micro = (usd: number) => Math.round(usd * 1_000_000);

describe('admin key limits and credit', () => {
  it('create with limits, list, patch, top up; bad values refused', async () => {
    const created = await admin('POST', '/admin/keys', { name: 'limited', allowed_models: ['gpt-image-1'], requests_per_minute: 30, max_concurrent_edits: 2, credit_usd: 5 });
    assert.equal(created.status, 201);
    assert.deepEqual(
      { limits: created.json.limits, credit_usd: created.json.credit_usd, spent_usd: created.json.spent_usd },
      { limits: { allowed_models: ['gpt-image-1'], requests_per_minute: 30, max_concurrent_edits: 2 }, credit_usd: 5, spent_usd: 0 },
    );
    const listed = (await admin('GET', '/admin/keys')).json.data.find((key: { id: string }) => key.id === created.json.id);
    assert.deepEqual(Object.keys(listed), ['id', 'object', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at', 'status', 'limits', 'credit_usd', 'spent_usd', 'reserved_usd']);
    const patched = await admin('PATCH', `/admin/keys/${created.json.id}`, { allowed_models: null, requests_per_minute: null, credit_usd: 1.25 });
    assert.equal(patched.status, 200);
    assert.deepEqual([patched.json.limits, patched.json.credit_usd], [{ allowed_models: null, requests_per_minute: null, max_concurrent_edits: 2 }, 1.25]);
    const toppedUp = await admin('POST', `/admin/keys/${created.json.id}/credit`, { amount_usd: 0.75 });
    assert.deepEqual([toppedUp.status, toppedUp.json.credit_usd], [200, 2]);
    const negative = await admin('POST', `/admin/keys/${created.json.id}/credit`, { amount_usd: -1 });
    assert.deepEqual([negative.status, negative.json.error.param], [400, 'amount_usd']);
    const unknownModel = await admin('PATCH', `/admin/keys/${created.json.id}`, { allowed_models: ['nope'] });
    assert.deepEqual([unknownModel.status, unknownModel.json.error.param], [400, 'allowed_models']);
    assert.equal((await admin('PATCH', '/admin/keys/key_missing', { credit_usd: 1 })).status, 404);
    const unlimited = await admin('POST', '/admin/keys', { name: 'plain' });
    assert.deepEqual([unlimited.json.credit_usd, unlimited.json.spent_usd, unlimited.json.limits.allowed_models], [null, 0, null]);
  });
});

describe('key limits on edits', () => {
  it('a model the key may not use: 403 model_not_allowed, nothing sent upstream', async () => {
    const { json } = await admin('POST', '/admin/keys', { name: 'dalle-only', allowed_models: ['dall-e-2'] });
    const before = primary.requests.length;
    const response = await postEdit(server.baseUrl, json.key, gptEdit());
    assert.equal(response.status, 403);
    assert.deepEqual(response.json, { error: { message: 'This API key is not allowed to use the model `gpt-image-1`.', type: 'invalid_request_error', param: 'model', code: 'model_not_allowed' } });
    assert.equal(primary.requests.length, before);
  });

  it('requests per minute: the next request gets 429 with retry-after', async () => {
    const { json } = await admin('POST', '/admin/keys', { name: 'rpm', requests_per_minute: 1 });
    assert.equal((await postEdit(server.baseUrl, json.key, gptEdit())).status, 200);
    const limited = await postEdit(server.baseUrl, json.key, gptEdit());
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error.code, 'rate_limit_exceeded');
    assert.match(limited.json.error.message, /^This API key allows 1 requests per minute\. Please try again in \d+s\.$/);
    assert.ok(Number(limited.headers.get('retry-after')) >= 59);
  });

  it('edits in flight: the second concurrent edit gets 429', async () => {
    const { json } = await admin('POST', '/admin/keys', { name: 'one-at-a-time', max_concurrent_edits: 1 });
    primary.cue({ kind: 'openai', delayMs: 400 });
    const [first, second] = await Promise.all([
      postEdit(server.baseUrl, json.key, gptEdit()),
      new Promise((resolve) => setTimeout(resolve, 100)).then(() => postEdit(server.baseUrl, json.key, gptEdit())),
    ]);
    assert.deepEqual([first.status, second.status], [200, 429]);
    assert.equal(second.headers.get('retry-after'), '1');
    assert.equal((await postEdit(server.baseUrl, json.key, gptEdit())).status, 200);
  });

  it('credit below the estimate: 429 insufficient_quota before anything is sent upstream', async () => {
    const { json } = await admin('POST', '/admin/keys', { name: 'poor', credit_usd: 0.1 });
    const before = primary.requests.length;
    const response = await postEdit(server.baseUrl, json.key, gptEdit());
    assert.equal(response.status, 429);
    assert.deepEqual(response.json.error, { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' });
    assert.equal(primary.requests.length, before);
  });

  it('concurrent edits can never spend the same credit', async () => {
    const { json } = await admin('POST', '/admin/keys', { name: 'two-edits', credit_usd: (2 * estimateMicroUsd + 1000) / 1_000_000 });
    primary.fallback = { kind: 'openai', delayMs: 300 };
    try {
      const responses = await Promise.all(Array.from({ length: 5 }, () => postEdit(server.baseUrl, json.key, gptEdit())));
      assert.deepEqual(responses.map((response) => response.status).sort(), [200, 200, 429, 429, 429]);
    } finally {
      primary.fallback = { kind: 'openai' };
    }
    const key = (await admin('GET', '/admin/keys')).json.data.find((candidate: { id: string }) => candidate.id === json.id);
    assert.equal(micro(key.spent_usd), 2 * settledMicroUsd);
    assert.equal(micro(key.credit_usd), 2 * estimateMicroUsd + 1000 - 2 * settledMicroUsd);
  });
});

describe('billing ledger under injected faults', () => {
  it('spent equals the sum of settled costs; failures and failovers are never charged; one record per edit', async () => {
    const { json } = await admin('POST', '/admin/keys', { name: 'ledger', credit_usd: 10 });
    const run: Array<{ status: number; requestId: string }> = [];
    const edit = async (parts: TestPart[]) => {
      const response = await postEdit(server.baseUrl, json.key, parts);
      run.push({ status: response.status, requestId: response.headers.get('x-request-id')! });
    };
    await edit(gptEdit()); // served by primary
    primary.cue({ kind: 'status', status: 500 });
    await edit(gptEdit()); // fails over to backup: charged once
    primary.cue({ kind: 'status', status: 429, retryAfterSeconds: 0 });
    backup.cue({ kind: 'status', status: 503 });
    await edit(gptEdit()); // every channel failed: 503, not charged
    primary.cue({ kind: 'status', status: 400, body: { error: { message: 'no', type: 'invalid_request_error', param: null, code: null } } });
    await edit(gptEdit()); // refused upstream: 400, not charged
    primary.cue({ kind: 'reset-mid-body' });
    await edit(gptEdit()); // reset, fails over: charged once
    primary.cue({ kind: 'stream-then-error' });
    const streamed = buildMultipart(gptEdit([{ name: 'stream', value: 'true' }, { name: 'partial_images', value: '1' }]));
    const streamResponse = await fetch(`${server.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${json.key}`, 'content-type': streamed.contentType },
      body: new Uint8Array(streamed.body),
    });
    await streamResponse.text();
    run.push({ status: 200, requestId: streamResponse.headers.get('x-request-id')! }); // broke after a partial: not charged
    await edit([{ name: 'prompt', value: 'p' }, { name: 'image', filename: 'a.png', data: await opaquePng(64, 64, 4), contentType: 'image/png' }, { name: 'n', value: '3' }, { name: 'size', value: '256x256' }]); // built-in: 3 × $0.001

    assert.deepEqual(run.map((entry) => entry.status), [200, 200, 503, 400, 200, 200, 200]);
    const records = (await admin('GET', `/admin/usage/requests?key_id=${json.id}&limit=100`)).json.data;
    assert.equal(records.length, run.length);
    assert.deepEqual(records.map((record: { request_id: string }) => record.request_id), run.map((entry) => entry.requestId).reverse());
    assert.deepEqual(
      records.map((record: any) => [record.channel, record.status, record.http_status, micro(record.cost_usd)]).reverse(),
      [
        ['primary', 'succeeded', 200, settledMicroUsd],
        ['backup', 'succeeded', 200, settledMicroUsd],
        ['backup', 'failed', 503, 0],
        ['primary', 'failed', 400, 0],
        ['backup', 'succeeded', 200, settledMicroUsd],
        ['primary', 'failed', 502, 0],
        ['stand-in', 'succeeded', 200, 3000],
      ],
    );
    assert.deepEqual(Object.keys(records[0]), ['request_id', 'created_at', 'key_id', 'key_name', 'model', 'channel', 'status', 'http_status', 'latency_ms', 'images', 'input_tokens', 'output_tokens', 'input_tokens_details', 'cost_usd']);
    // Token counts as the upstream reported them, so an operator can reconcile against its bill.
    assert.deepEqual(
      [records.at(-1).input_tokens, records.at(-1).output_tokens, records.at(-1).input_tokens_details],
      [fakeUsage.input_tokens, fakeUsage.output_tokens, fakeUsage.input_tokens_details],
    );
    const key = (await admin('GET', '/admin/keys')).json.data.find((candidate: { id: string }) => candidate.id === json.id);
    const settled = records.reduce((total: number, record: { cost_usd: number }) => total + micro(record.cost_usd), 0);
    assert.equal(micro(key.spent_usd), settled);
    assert.equal(micro(key.spent_usd), 3 * settledMicroUsd + 3000);
    assert.equal(micro(key.credit_usd), 10_000_000 - settled);

    const byKey = (await admin('GET', `/admin/usage/summary?group_by=key&from=2000-01-01T00:00:00Z`)).json;
    const ledgerRow = byKey.data.find((row: { group: string }) => row.group === json.id);
    const sum = (field: 'input_tokens' | 'output_tokens') => records.reduce((total: number, record: Record<string, number>) => total + record[field], 0);
    assert.deepEqual(ledgerRow, {
      group: json.id,
      key_name: 'ledger',
      edits: 7,
      succeeded: 4,
      failed: 3,
      images: 6,
      input_tokens: sum('input_tokens'),
      output_tokens: sum('output_tokens'),
      cost_usd: settled / 1_000_000,
    });
    const byModel = (await admin('GET', '/admin/usage/summary?group_by=model')).json;
    assert.equal(byModel.object, 'list');
    assert.equal(byModel.group_by, 'model');
    assert.deepEqual(byModel.data.map((row: { group: string }) => row.group), ['dall-e-2', 'gpt-image-1']);
    const byDay = (await admin('GET', '/admin/usage/summary?group_by=day')).json;
    assert.deepEqual(byDay.data.map((row: { group: string }) => row.group), [new Date().toISOString().slice(0, 10)]);
    assert.equal((await admin('GET', '/admin/usage/summary?group_by=week')).status, 400);
  });
});

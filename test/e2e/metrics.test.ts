/**
 * `GET /metrics` after a known mix of requests, parsed with a Prometheus text-format parser:
 * built-in edits, a refused edit, a relayed edit that failed over from a 500, an async task.
 * The counts match the mix; labels carry route patterns, models and channels — never key or
 * request ids; the admin key is required on the main port, not on `metrics.listenPort`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { fakeUsage, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { opaquePng } from '../support/images.ts';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';
import { freeLoopbackPort } from '../support/start-redis.ts';
import { parsePrometheusText, type PrometheusFamily } from '../support/prometheus-text.ts';

let primary: FakeUpstream;
let backup: FakeUpstream;
let server: RunningServer;
let metricsPort: number;


before(async () => {
  primary = await startFakeUpstream();
  backup = await startFakeUpstream();
  metricsPort = await freeLoopbackPort();
  const channel = (name: string, upstream: FakeUpstream, priority: number) => ({
    name, type: 'openai-compatible', baseUrl: upstream.baseUrl, apiKey: `sk-${name}`, models: [{ id: 'gpt-image-1' }], priority,
  });
  server = await startServer({
    config: {
      metrics: { listenPort: metricsPort },
      models: { defaultModel: 'pixelgate-fill', served: [{ id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'stand-in' }, { id: 'gpt-image-1', rules: 'gpt-image-1' }] },
      channels: [channel('primary', primary, 2), channel('backup', backup, 1)],
      routing: { failureThreshold: 100 },
    },
  });
});
after(async () => {
  await server?.stop();
  await primary?.close();
  await backup?.close();
});

async function scrape(url: string, authorization?: string): Promise<{ status: number; families: Map<string, PrometheusFamily>; text: string }> {
  const response = await fetch(url, { headers: authorization ? { authorization } : {} });
  const text = await response.text();
  if (response.status === 200) assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return { status: response.status, families: response.status === 200 ? parsePrometheusText(text) : new Map(), text };
}

/** The sum of `name`'s samples whose labels include `labels` (for a histogram, of its `_count`). */
function sample(families: Map<string, PrometheusFamily>, name: string, labels: Record<string, string>): number {
  const family = families.get(name);
  assert.ok(family, `${name} is exported`);
  const sampleName = family.type === 'histogram' ? `${name}_count` : name;
  const found = family.samples.filter((entry) => entry.name === sampleName && Object.entries(labels).every(([key, value]) => entry.labels[key] === value));
  return found.reduce((total, entry) => total + entry.value, 0);
}

describe('Prometheus metrics', () => {
  it('count a known mix of requests by route, status, model and channel, with bounded labels', async () => {
    const { key } = await createKey(server, 'metrics');
    const client = new OpenAI({ apiKey: key, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 });
    const image = await opaquePng(32, 32);
    const upload = () => toFile(image, 'a.png', { type: 'image/png' });
    for (let index = 0; index < 2; index += 1) await client.images.edit({ model: 'pixelgate-fill' as 'gpt-image-1', image: await upload(), prompt: 'fill' });
    await assert.rejects(client.images.edit({ model: 'pixelgate-fill' as 'gpt-image-1', image: await upload(), prompt: '' }), (error: any) => error.status === 400);
    primary.cue({ kind: 'status', status: 500 });
    const relayed = await client.images.edit({ model: 'gpt-image-1', image: await upload(), prompt: 'relayed' });
    assert.deepEqual(relayed.usage, fakeUsage);
    const task: any = await client.images.edit({ model: 'pixelgate-fill' as 'gpt-image-1', image: await upload(), prompt: 'async' }, { headers: { Prefer: 'respond-async' } });
    for (let polled: any = task; polled.status !== 'succeeded'; polled = await client.get(`/images/tasks/${task.id}`)) {
      assert.ok(['queued', 'in_progress'].includes(polled.status), JSON.stringify(polled));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    assert.equal((await scrape(`${server.baseUrl}/metrics`)).status, 401);
    assert.equal((await scrape(`${server.baseUrl}/metrics`, `Bearer ${key}`)).status, 403, 'an API key is not enough');
    const { status, families, text } = await scrape(`${server.baseUrl}/metrics`, `Bearer ${server.adminKey}`);
    assert.equal(status, 200);
    const edits = { route: '/v1/images/edits', method: 'POST' };
    assert.equal(sample(families, 'pixelgate_http_requests_total', { ...edits, status: '200' }), 3);
    assert.equal(sample(families, 'pixelgate_http_requests_total', { ...edits, status: '400' }), 1);
    assert.equal(sample(families, 'pixelgate_http_requests_total', { ...edits, status: '202' }), 1);
    assert.ok(sample(families, 'pixelgate_http_requests_total', { route: '/v1/images/tasks/:id', method: 'GET', status: '200' }) >= 1);
    assert.equal(sample(families, 'pixelgate_http_request_duration_seconds', edits), 5);
    assert.ok(sample(families, 'pixelgate_upload_bytes_total', {}) > 5 * image.length);
    assert.equal(sample(families, 'pixelgate_edits_total', { model: 'pixelgate-fill', channel: 'stand-in', status: 'succeeded' }), 3);
    assert.equal(sample(families, 'pixelgate_edits_total', { model: 'gpt-image-1', channel: 'backup', status: 'succeeded' }), 1);
    assert.equal(sample(families, 'pixelgate_edit_images_total', { model: 'gpt-image-1' }), 1);
    assert.equal(sample(families, 'pixelgate_edit_tokens_total', { model: 'gpt-image-1', kind: 'input' }), fakeUsage.input_tokens);
    assert.equal(sample(families, 'pixelgate_edit_tokens_total', { model: 'gpt-image-1', kind: 'output' }), fakeUsage.output_tokens);
    // fakeUsage at gpt-image-1 prices: $0.0425.
    assert.ok(Math.abs(sample(families, 'pixelgate_edit_cost_usd_total', { model: 'gpt-image-1' }) - 0.0425) < 1e-9);
    assert.equal(sample(families, 'pixelgate_channel_failures_total', { channel: 'primary', reason: 'http_500' }), 1);
    assert.equal(sample(families, 'pixelgate_channel_attempt_duration_seconds', { channel: 'primary' }), 1);
    assert.equal(sample(families, 'pixelgate_channel_attempt_duration_seconds', { channel: 'backup', outcome: 'ok' }), 1);
    assert.equal(sample(families, 'pixelgate_builtin_fill_duration_seconds', { channel: 'stand-in', outcome: 'ok' }), 3);
    assert.equal(sample(families, 'pixelgate_channel_circuit_state', { channel: 'primary' }), 1, 'one failure below the threshold: failing');
    assert.equal(sample(families, 'pixelgate_channel_circuit_state', { channel: 'backup' }), 0);
    assert.equal(sample(families, 'pixelgate_tasks_running', {}), 0);
    assert.ok(sample(families, 'pixelgate_tasks', { state: 'succeeded' }) >= 1, 'the task above, counted from the database');
    assert.equal(sample(families, 'pixelgate_tasks', { state: 'in_progress' }), 0);
    assert.ok(families.has('pixelgate_process_resident_memory_bytes'));
    assert.doesNotMatch(text, /req_[0-9a-f]|key_[0-9a-f]|sk-pg-/, 'no request ids, key ids or keys in labels');
    for (const family of families.values()) assert.match(family.name, /^pixelgate_[a-z0-9_]+$/);

    const separate = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(separate.status, 200, 'metrics.listenPort needs no key');
    assert.equal(sample(separate.families, 'pixelgate_edits_total', { model: 'gpt-image-1' }), 1);
  });
});

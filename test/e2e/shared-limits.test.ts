/**
 * Limits that hold across nodes: two server processes on one data directory and one Redis
 * (`sharedState.redisUrl`), behind a real nginx spreading requests round robin. A key allowed
 * 4 requests per minute gets exactly 4 edits through the pair (each node alone would have let 4
 * through), and a key allowed 1 edit in flight gets 1 of 2 concurrent edits — whichever nodes
 * they reach. With Redis stopped mid-run, limited keys get a quick 503 (or pass uncounted when
 * so configured) and limits hold again when it returns. Needs PIXELGATE_TEST_REDIS_URL and
 * redis-server (`.ci/run` installs and starts it); skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { adminRequest } from '../support/admin-api.ts';
import { opaquePng } from '../support/images.ts';
import { buildMultipart } from '../support/multipart.ts';
import { startNginx, type RunningNginx } from '../support/start-nginx.ts';
import { startServer, type RunningServer } from '../support/start-server.ts';
import { testRedis, type TestRedis } from '../support/start-redis.ts';
import { parsePrometheusText } from '../support/prometheus-text.ts';

const redisUrl = process.env.PIXELGATE_TEST_REDIS_URL;

describe('limits shared by two nodes behind nginx (Redis)', { skip: redisUrl ? false : 'PIXELGATE_TEST_REDIS_URL is not set (.ci/run starts redis-server and sets it)' }, () => {
  let first: RunningServer;
  let second: RunningServer;
  let nginx: RunningNginx;
  let image: Buffer;

  before(async () => {
    image = await opaquePng(16, 16);
    const config = {
      sharedState: { redisUrl, keyPrefix: `pixelgate-e2e-${randomUUID()}:` },
      engines: { 'stand-in': { delayMs: 600 } },
      models: { defaultModel: 'pixelgate-fill', served: [{ id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'stand-in' }] },
    };
    first = await startServer({ config });
    second = await startServer({ config, env: { DATA_DIR: first.dataDir, PIXELGATE_ADMIN_KEY: first.adminKey } });
    nginx = await startNginx({ upstreamBaseUrl: first.baseUrl, moreUpstreamBaseUrls: [second.baseUrl], proxyReadTimeoutSeconds: 30 });
  });
  after(async () => {
    await nginx?.stop();
    await second?.stop();
    await first?.stop();
  });

  async function keyWithLimits(name: string, limits: object): Promise<string> {
    const created = await adminRequest(first, 'POST', '/admin/keys', { name });
    assert.equal(created.status, 201);
    const patched = await adminRequest(first, 'PATCH', `/admin/keys/${created.json.id}`, limits);
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    return created.json.key;
  }

  async function editThroughNginx(apiKey: string): Promise<{ status: number; code: string | null }> {
    const form = buildMultipart([
      { name: 'model', value: 'pixelgate-fill' },
      { name: 'prompt', value: 'p' },
      { name: 'image', filename: 'a.png', data: image, contentType: 'image/png' },
    ]);
    const response = await fetch(`${nginx.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': form.contentType },
      body: new Uint8Array(form.body),
    });
    const json = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: json.error?.code ?? null };
  }

  async function editsAnsweredBy(server: RunningServer): Promise<number> {
    // Both nodes run with the first one's admin key.
    const text = await (await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${first.adminKey}` } })).text();
    const family = parsePrometheusText(text).get('pixelgate_http_requests_total');
    return (family?.samples ?? []).filter((sample) => sample.labels.route === '/v1/images/edits').reduce((total, sample) => total + sample.value, 0);
  }

  it('requests per minute: 8 edits round robin over both nodes, exactly 4 admitted', async () => {
    const apiKey = await keyWithLimits('four-a-minute', { requests_per_minute: 4 });
    const outcomes = [];
    for (let index = 0; index < 8; index += 1) outcomes.push(await editThroughNginx(apiKey));
    assert.deepEqual(outcomes.map((outcome) => outcome.status).sort(), [200, 200, 200, 200, 429, 429, 429, 429]);
    assert.ok(outcomes.filter((outcome) => outcome.status === 429).every((outcome) => outcome.code === 'rate_limit_exceeded'));
    assert.ok((await editsAnsweredBy(first)) >= 3 && (await editsAnsweredBy(second)) >= 3, 'nginx spread the edits over both nodes');
  });

  it('edits in flight: of 2 concurrent edits on a key allowed 1, one runs and one is refused, across nodes', async () => {
    const apiKey = await keyWithLimits('one-at-a-time', { max_concurrent_edits: 1 });
    const outcomes = await Promise.all([editThroughNginx(apiKey), editThroughNginx(apiKey)]);
    assert.deepEqual(outcomes.map((outcome) => outcome.status).sort(), [200, 429]);
    assert.equal((await editThroughNginx(apiKey)).status, 200, 'released once the first ended');
  });
});

describe('when Redis goes away', { skip: redisUrl ? false : 'PIXELGATE_TEST_REDIS_URL is not set (redis-server is installed by .ci/run)' }, () => {
  // A Redis of this test's own, so it can be stopped and started again.
  let redis: TestRedis;
  let closedServer: RunningServer;
  let openServer: RunningServer;
  let image: Buffer;

  before(async () => {
    image = await opaquePng(16, 16);
    redis = await testRedis();
    const config = (whenUnavailable: string) => ({
      sharedState: { redisUrl: redis.url, keyPrefix: `pixelgate-down-${randomUUID()}:`, whenUnavailable },
      models: { defaultModel: 'pixelgate-fill', served: [{ id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'stand-in' }] },
    });
    closedServer = await startServer({ config: config('closed') });
    openServer = await startServer({ config: config('open') });
  });
  after(async () => {
    await closedServer?.stop();
    await openServer?.stop();
    await redis?.stop();
  });

  const edit = async (server: RunningServer, apiKey: string) => {
    const form = buildMultipart([
      { name: 'prompt', value: 'p' },
      { name: 'image', filename: 'a.png', data: image, contentType: 'image/png' },
    ]);
    const response = await fetch(`${server.baseUrl}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': form.contentType }, body: new Uint8Array(form.body) });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), json: (await response.json()) as any };
  };
  const limitedKey = async (server: RunningServer) => {
    const created = await adminRequest(server, 'POST', '/admin/keys', { name: 'limited' });
    await adminRequest(server, 'PATCH', `/admin/keys/${created.json.id}`, { requests_per_minute: 100 });
    return created.json.key as string;
  };

  it('closed (default): limited keys get a quick 503 limits_unavailable, unlimited keys go on; all recover when Redis is back', async () => {
    const limited = await limitedKey(closedServer);
    const unlimited = (await adminRequest(closedServer, 'POST', '/admin/keys', { name: 'unlimited' })).json.key as string;
    assert.equal((await edit(closedServer, limited)).status, 200);
    await redis.stop();
    const startedAt = Date.now();
    const refused = await Promise.all(Array.from({ length: 6 }, () => edit(closedServer, limited)));
    assert.ok(Date.now() - startedAt < 5_000, 'refused quickly, not after piling up');
    for (const answer of refused) {
      assert.equal(answer.status, 503);
      assert.deepEqual(Object.keys(answer.json.error), ['message', 'type', 'param', 'code']);
      assert.equal(answer.json.error.code, 'limits_unavailable');
      assert.match(answer.retryAfter ?? '', /^\d+$/);
    }
    assert.equal((await edit(closedServer, unlimited)).status, 200, 'a key without limits never waits on Redis');
    await redis.start();
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
      status = (await edit(closedServer, limited)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(status, 200, 'limits are checked again once Redis is back');
  });

  it('open: limited keys are let through uncounted while Redis is away', async () => {
    const limited = await limitedKey(openServer);
    await redis.stop();
    assert.equal((await edit(openServer, limited)).status, 200);
    await redis.start();
  });
});

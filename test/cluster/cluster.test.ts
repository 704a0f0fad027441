/**
 * `npm run test:cluster`: three Pixelgate nodes on one PostgreSQL, one Redis (started here, so
 * it can be stopped) and one S3-protocol server, with one signing secret, behind a real nginx
 * spreading requests round robin — and proof that they agree: a key's requests per minute and
 * edits in flight hold across the cluster (a SIGKILLed node's slot comes back within the lease),
 * credit is never overspent under 32 concurrent requests and the ledger balances, a circuit
 * tripped on one node is skipped by the others within a second, a revoked key is refused
 * everywhere at once, a `url` result downloads through the balancer whichever node answers,
 * and with Redis stopped limited keys get a quick 503, not a 500 storm.
 * Needs PIXELGATE_TEST_POSTGRES_URL and redis-server (`.ci/run` provides both).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { adminRequest, keyBalances, usageRecordsOf } from '../support/admin-api.ts';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { opaquePng, pngWithTransparentHole } from '../support/images.ts';
import { buildMultipart, type TestPart } from '../support/multipart.ts';
import { startNginx, type RunningNginx } from '../support/start-nginx.ts';
import { startS3Server, type RunningS3Server } from '../support/start-s3-server.ts';
import { startServer, type RunningServer } from '../support/start-server.ts';
import { testRedis, type TestRedis } from '../support/start-redis.ts';

const postgresUrl = process.env.PIXELGATE_TEST_POSTGRES_URL;
const leaseMs = 1_500;
const builtInMicroUsd = 10_000;


const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('a three-node cluster behind nginx', { skip: postgresUrl ? false : 'PIXELGATE_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and Redis)' }, () => {
  let redis: TestRedis;
  let s3: RunningS3Server;
  let primary: FakeUpstream;
  let backup: FakeUpstream;
  let nodes: RunningServer[] = [];
  let nginx: RunningNginx;
  let image: Buffer;
  let adminKey = '';

  before(async () => {
    image = await opaquePng(16, 16);
    redis = await testRedis();
    s3 = await startS3Server();
    primary = await startFakeUpstream();
    backup = await startFakeUpstream();
    const channel = (name: string, upstream: FakeUpstream, priority: number) => ({ name, type: 'openai', baseUrl: upstream.baseUrl, apiKey: `sk-${name}`, models: [{ id: 'gpt-image-1' }], priority });
    const config = {
      sharedState: { redisUrl: redis.url, keyPrefix: `cluster-${randomUUID()}:`, leaseMs },
      storage: { s3: { bucket: s3.bucket, prefix: `cluster-${randomUUID()}/`, endpoint: s3.endpoint, accessKeyIdEnv: 'TEST_S3_KEY', secretAccessKeyEnv: 'TEST_S3_SECRET' } },
      engines: { 'stand-in': { delayMs: 1_200 } },
      results: { urlTtlSeconds: 4 },
      models: {
        defaultModel: 'pixelgate-fill',
        served: [{ id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'stand-in' }, { id: 'gpt-image-1', rules: 'gpt-image-1' }],
      },
      channels: [channel('primary', primary, 2), channel('backup', backup, 1)],
      routing: { failureThreshold: 1, openDurationMs: 60_000 },
      billing: {
        builtInPerImageUsd: builtInMicroUsd / 1_000_000,
        prices: [{ model: 'gpt-image-1', perMillionTokensUsd: { textInput: 5, imageInput: 10, imageOutput: 40 } }],
      },
    };
    adminKey = `admin-cluster-${randomUUID()}`;
    const env = {
      PIXELGATE_DATABASE_URL: postgresUrl!,
      PIXELGATE_SIGNING_SECRET: randomBytes(32).toString('hex'),
      PIXELGATE_ADMIN_KEY: adminKey,
      TEST_S3_KEY: s3.accessKeyId,
      TEST_S3_SECRET: s3.secretAccessKey,
    };
    nodes = [];
    for (let index = 0; index < 3; index += 1) nodes.push(await startServer({ config, env }));
    nginx = await startNginx({ upstreamBaseUrl: nodes[0].baseUrl, moreUpstreamBaseUrls: nodes.slice(1).map((node) => node.baseUrl), proxyReadTimeoutSeconds: 60 });
  });
  after(async () => {
    await nginx?.stop();
    for (const node of nodes) await node.stop();
    await primary?.close();
    await backup?.close();
    await s3?.stop();
    await redis?.stop();
  });

  const admin = (method: string, route: string, body?: unknown) => adminRequest({ ...nodes[0], adminKey }, method, route, body);

  async function keyWith(name: string, limits: object): Promise<{ id: string; key: string }> {
    const created = await admin('POST', '/admin/keys', { name });
    assert.equal(created.status, 201);
    if (Object.keys(limits).length > 0) assert.equal((await admin('PATCH', `/admin/keys/${created.json.id}`, limits)).status, 200);
    return created.json;
  }

  async function edit(apiKey: string, parts: TestPart[] = [{ name: 'model', value: 'pixelgate-fill' }, { name: 'prompt', value: 'p' }, { name: 'image', filename: 'a.png', data: image, contentType: 'image/png' }], baseUrl = nginx.baseUrl) {
    const form = buildMultipart(parts);
    const response = await fetch(`${baseUrl}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': form.contentType }, body: new Uint8Array(form.body) });
    return { status: response.status, json: (await response.json()) as any };
  }

  it('requests per minute: exactly N of 3N admitted across the three nodes', async () => {
    const key = await keyWith('rpm', { requests_per_minute: 4 });
    const statuses = [];
    for (let index = 0; index < 12; index += 1) statuses.push((await edit(key.key, [{ name: 'model', value: 'gpt-image-1' }, { name: 'prompt', value: 'p' }, { name: 'image', filename: 'a.png', data: image, contentType: 'image/png' }])).status);
    assert.deepEqual(statuses.filter((status) => status === 200).length, 4, JSON.stringify(statuses));
    assert.ok(statuses.filter((status) => status !== 200).every((status) => status === 429));
  });

  it('credit is never overspent by 32 concurrent requests over the nodes; the ledger balances', async () => {
    const key = await keyWith('credit', {});
    assert.equal((await admin('POST', `/admin/keys/${key.id}/credit`, { amount_usd: (5 * builtInMicroUsd) / 1_000_000 })).status, 200);
    const answers = await Promise.all(Array.from({ length: 32 }, () => edit(key.key)));
    const succeeded = answers.filter((answer) => answer.status === 200).length;
    assert.equal(succeeded, 5, JSON.stringify(answers.map((answer) => answer.status)));
    assert.ok(answers.filter((answer) => answer.status !== 200).every((answer) => answer.status === 429 && answer.json.error.code === 'insufficient_quota'));
    const balances = await keyBalances({ ...nodes[0], adminKey }, key.id);
    assert.deepEqual(balances, { credit: 0, spent: 5 * builtInMicroUsd, reserved: 0 });
    const records = await usageRecordsOf({ ...nodes[0], adminKey }, key.id);
    assert.equal(records.length, 5, 'one usage record per admitted request');
    assert.equal(records.reduce((total: number, record: any) => total + Math.round(record.cost_usd * 1e6), 0), balances.spent);
  });

  it('edits in flight: never more than K across nodes; a SIGKILLed node frees its slot within the lease', async () => {
    const key = await keyWith('in-flight', { max_concurrent_edits: 2 });
    const answers = await Promise.all(Array.from({ length: 6 }, () => edit(key.key)));
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 200, 429, 429, 429, 429]);
    // One edit straight to the third node, which is killed while it runs.
    const victim = nodes[2];
    const doomed = edit(key.key, undefined, victim.baseUrl).catch(() => null);
    await sleep(300);
    process.kill(victim.pid, 'SIGKILL');
    await doomed;
    await victim.exited;
    // Its slot still counts for a moment, then its lease ends: two edits run again.
    const killedAt = Date.now();
    let both = false;
    while (!both && Date.now() - killedAt < leaseMs + 3_000) {
      const pair = await Promise.all([edit(key.key, undefined, nodes[0].baseUrl), edit(key.key, undefined, nodes[1].baseUrl)]);
      both = pair.every((answer) => answer.status === 200);
    }
    assert.ok(both, 'the killed node\u2019s slot came back within the lease');
  });

  it('a circuit tripped on one node is skipped by the others within a second; a revoked key is refused by every node at once', async () => {
    const key = await keyWith('circuits', {});
    const gpt: TestPart[] = [{ name: 'model', value: 'gpt-image-1' }, { name: 'prompt', value: 'p' }, { name: 'image', filename: 'a.png', data: image, contentType: 'image/png' }];
    primary.cue({ kind: 'status', status: 500 });
    assert.equal((await edit(key.key, gpt, nodes[0].baseUrl)).status, 200, 'failed over to backup');
    await sleep(1_000);
    const primaryCallsBefore = primary.requests.length;
    assert.equal((await edit(key.key, gpt, nodes[1].baseUrl)).status, 200);
    assert.equal(primary.requests.length, primaryCallsBefore, 'the other node skipped the open channel');

    assert.equal((await admin('DELETE', `/admin/keys/${key.id}`)).status, 200);
    for (const node of nodes.slice(0, 2)) assert.equal((await edit(key.key, undefined, node.baseUrl)).status, 401);
  });

  it('a url result minted on one node downloads through the balancer whichever node answers, and is gone after its expiry', async () => {
    const key = await keyWith('results', {});
    const minted = await edit(key.key, [{ name: 'model', value: 'pixelgate-fill' }, { name: 'prompt', value: 'p' }, { name: 'response_format', value: 'url' }, { name: 'image', filename: 'a.png', data: await pngWithTransparentHole(32), contentType: 'image/png' }], nodes[0].baseUrl);
    assert.equal(minted.status, 200);
    const url = new URL(minted.json.data[0].url);
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const downloaded = await fetch(new URL(url.pathname + url.search, nginx.baseUrl));
      assert.equal(downloaded.status, 200);
      assert.equal(downloaded.headers.get('content-type'), 'image/png');
    }
    await sleep(4_500);
    for (let attempt = 0; attempt < 3; attempt += 1) assert.equal((await fetch(new URL(url.pathname + url.search, nginx.baseUrl))).status, 404);
  });

  it('/health reports each backend; with Redis stopped it says so, limited keys get a quick 503 (no 500s), and limits hold again when it returns', async () => {
    const health = async () => {
      const response = await fetch(`${nodes[0].baseUrl}/health`);
      return { status: response.status, json: (await response.json()) as any };
    };
    assert.deepEqual(await health(), {
      status: 200,
      json: { status: 'ok', backends: { database: { kind: 'postgresql', status: 'ok' }, sharedState: { kind: 'redis', status: 'ok' }, storage: { kind: 's3', status: 'ok' } } },
    });
    const key = await keyWith('redis-down', { requests_per_minute: 100 });
    await redis.stop();
    const degraded = await health();
    assert.deepEqual([degraded.status, degraded.json.status, degraded.json.backends.sharedState.status], [200, 'degraded', 'down']);
    const answers = await Promise.all(Array.from({ length: 8 }, () => edit(key.key)));
    assert.ok(answers.every((answer) => answer.status === 503 && answer.json.error.code === 'limits_unavailable'), JSON.stringify(answers.map((answer) => answer.status)));
    await redis.start();
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
      status = (await edit(key.key)).status;
      if (status !== 200) await sleep(200);
    }
    assert.equal(status, 200);
  });
});

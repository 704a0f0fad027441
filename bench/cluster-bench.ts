/**
 * `npm run bench:cluster`: what sharing state across nodes costs, side by side in one run, on
 * the stand-in engine (so only the server's own work is measured), with a key that has rate and
 * concurrency limits (so every request checks them):
 *   - one node, limits counted in its memory (the baseline);
 *   - one node, limits counted in Redis (the cost of the Redis round trips on the hot path);
 *   - one node behind nginx, and three nodes on one Redis behind nginx (round robin).
 * At 16 and 64 clients: req/s, p50/p99 and the p50 added over the baseline. Needs redis-server
 * and nginx (Debian packages). Options: --quick (fewer requests), --json.
 */
import { randomUUID } from 'node:crypto';
import { adminRequest } from '../test/support/admin-api.ts';
import { opaquePng } from '../test/support/images.ts';
import { buildMultipart } from '../test/support/multipart.ts';
import { startNginx } from '../test/support/start-nginx.ts';
import { startServer, type RunningServer } from '../test/support/start-server.ts';
import { testRedis } from '../test/support/start-redis.ts';
import { measureLoad, type MeasuredLoad } from './load-client.ts';

const quick = process.argv.includes('--quick');
const amountFor = (clients: number) => (quick ? 200 : 1_200) + clients * 4;

const baseConfig = {
  models: { defaultModel: 'pixelgate-fill', served: [{ id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'stand-in' }] },
};

async function limitedKey(server: RunningServer, adminKey: string): Promise<string> {
  const created = await adminRequest({ ...server, adminKey }, 'POST', '/admin/keys', { name: 'bench' });
  await adminRequest({ ...server, adminKey }, 'PATCH', `/admin/keys/${created.json.id}`, { requests_per_minute: 10_000_000, max_concurrent_edits: 100_000 });
  return created.json.key;
}

interface Row {
  readonly setup: string;
  readonly clients: number;
  readonly load: MeasuredLoad;
  addedP50Ms: number | null;
}

async function main(): Promise<void> {
  const image = await opaquePng(64, 64);
  const form = buildMultipart([
    { name: 'model', value: 'pixelgate-fill' },
    { name: 'prompt', value: 'p' },
    { name: 'image', filename: 'a.png', data: image, contentType: 'image/png' },
  ]);
  const redis = await testRedis();
  const shared = { ...baseConfig, sharedState: { redisUrl: redis.url, keyPrefix: `bench-${randomUUID()}:` } };
  const inMemory = baseConfig;
  const rows: Row[] = [];
  const run = async (setup: string, url: string, apiKey: string) => {
    for (const clients of [16, 64]) {
      const headers = { authorization: `Bearer ${apiKey}`, 'content-type': form.contentType };
      // A long warm-up: the first few hundred requests of a fresh process run before the JIT settles.
      await measureLoad(url, headers, form.body, clients, quick ? 100 : 400);
      rows.push({ setup, clients, load: await measureLoad(url, headers, form.body, clients, amountFor(clients)), addedP50Ms: null });
    }
  };
  try {
    // The two single-node rows alternate (memory, Redis, memory, Redis) on the same two
    // processes; the second round is reported, so neither row carries the other's warm-up.
    const memoryNode = await startServer({ config: inMemory, env: { LOG_LEVEL: 'warn' } });
    const memoryKey = await limitedKey(memoryNode, memoryNode.adminKey);
    const redisNode = await startServer({ config: shared, env: { LOG_LEVEL: 'warn' } });
    const redisKey = await limitedKey(redisNode, redisNode.adminKey);
    for (let round = 0; round < 2; round += 1) {
      if (round === 1) rows.length = 0;
      await run('1 node, limits in memory', `${memoryNode.baseUrl}/v1/images/edits`, memoryKey);
      await run('1 node, limits in Redis', `${redisNode.baseUrl}/v1/images/edits`, redisKey);
    }
    await memoryNode.stop();
    const oneBehind = await startNginx({ upstreamBaseUrl: redisNode.baseUrl, proxyReadTimeoutSeconds: 60 });
    await run('1 node (Redis) behind nginx', `${oneBehind.baseUrl}/v1/images/edits`, redisKey);
    await oneBehind.stop();
    const more = [
      await startServer({ config: shared, env: { LOG_LEVEL: 'warn', DATA_DIR: redisNode.dataDir, PIXELGATE_ADMIN_KEY: redisNode.adminKey } }),
      await startServer({ config: shared, env: { LOG_LEVEL: 'warn', DATA_DIR: redisNode.dataDir, PIXELGATE_ADMIN_KEY: redisNode.adminKey } }),
    ];
    const threeBehind = await startNginx({ upstreamBaseUrl: redisNode.baseUrl, moreUpstreamBaseUrls: more.map((node) => node.baseUrl), proxyReadTimeoutSeconds: 60 });
    await run('3 nodes (Redis) behind nginx', `${threeBehind.baseUrl}/v1/images/edits`, redisKey);
    await threeBehind.stop();
    // Each stops and removes only its own temporary folder; the shared data directory goes with the first.
    for (const node of more) await node.stop();
    await redisNode.stop();
  } finally {
    await redis.stop();
  }
  for (const row of rows) {
    const baseline = rows.find((candidate) => candidate.setup === rows[0].setup && candidate.clients === row.clients)!;
    row.addedP50Ms = row.load.p50Ms - baseline.load.p50Ms;
  }
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  process.stdout.write('| setup | clients | requests | req/s | p50 ms | p99 ms | p50 added ms | errors |\n|---|---|---|---|---|---|---|---|\n');
  for (const row of rows) {
    process.stdout.write(`| ${row.setup} | ${row.clients} | ${row.load.requests} | ${row.load.requestsPerSecond} | ${row.load.p50Ms} | ${row.load.p99Ms} | ${row.addedP50Ms} | ${row.load.errors} |\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

/**
 * Results shared by nodes that share nothing on disk: two servers with their own data
 * directories, one PostgreSQL, one S3-protocol server (s3rver, started here) and one signing
 * secret (`PIXELGATE_SIGNING_SECRET`). A `url` result minted by one node downloads from the
 * other, byte for byte, until its expiry; then it is gone on both. Needs
 * PIXELGATE_TEST_POSTGRES_URL (`.ci/run` sets it); skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { adminRequest } from '../support/admin-api.ts';
import { pngWithTransparentHole } from '../support/images.ts';
import { buildMultipart } from '../support/multipart.ts';
import { startS3Server, type RunningS3Server } from '../support/start-s3-server.ts';
import { startServer, type RunningServer } from '../support/start-server.ts';

const postgresUrl = process.env.PIXELGATE_TEST_POSTGRES_URL;

describe('result URLs across nodes (PostgreSQL + S3)', { skip: postgresUrl ? false : 'PIXELGATE_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)' }, () => {
  let s3: RunningS3Server;
  let first: RunningServer;
  let second: RunningServer;

  before(async () => {
    s3 = await startS3Server();
    const config = {
      storage: { s3: { bucket: s3.bucket, prefix: `results-${randomUUID()}/`, endpoint: s3.endpoint, accessKeyIdEnv: 'TEST_S3_KEY', secretAccessKeyEnv: 'TEST_S3_SECRET' } },
      results: { urlTtlSeconds: 3 },
      models: { defaultModel: 'pixelgate-fill', served: [{ id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'stand-in' }] },
    };
    const env = { PIXELGATE_DATABASE_URL: postgresUrl!, PIXELGATE_SIGNING_SECRET: randomBytes(32).toString('hex'), TEST_S3_KEY: s3.accessKeyId, TEST_S3_SECRET: s3.secretAccessKey };
    first = await startServer({ config, env });
    second = await startServer({ config, env: { ...env, PIXELGATE_ADMIN_KEY: first.adminKey } });
  });
  after(async () => {
    await first?.stop();
    await second?.stop();
    await s3?.stop();
  });

  it('a url minted on one node downloads from the other until it expires, then neither serves it', async () => {
    const created = await adminRequest(first, 'POST', '/admin/keys', { name: 'shared-results' });
    assert.equal(created.status, 201);
    const form = buildMultipart([
      { name: 'model', value: 'pixelgate-fill' },
      { name: 'prompt', value: 'fill' },
      { name: 'response_format', value: 'url' },
      { name: 'image', filename: 'a.png', data: await pngWithTransparentHole(32), contentType: 'image/png' },
    ]);
    // The key, made through the first node, works on the second: one database.
    const edited = await fetch(`${second.baseUrl}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${created.json.key}`, 'content-type': form.contentType }, body: new Uint8Array(form.body) });
    assert.equal(edited.status, 200);
    const url = new URL(((await edited.json()) as { data: Array<{ url: string }> }).data[0].url);
    assert.equal(url.origin, new URL(second.baseUrl).origin);
    const fromMinter = await fetch(url);
    const elsewhere = new URL(url.pathname + url.search, first.baseUrl);
    const fromOther = await fetch(elsewhere);
    assert.deepEqual([fromMinter.status, fromOther.status], [200, 200]);
    assert.equal(fromOther.headers.get('content-type'), 'image/png');
    assert.ok(Buffer.from(await fromOther.arrayBuffer()).equals(Buffer.from(await fromMinter.arrayBuffer())));
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    assert.deepEqual([(await fetch(elsewhere)).status, (await fetch(url)).status], [404, 404]);
  });
});

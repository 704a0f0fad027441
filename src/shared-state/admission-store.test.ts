import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { describeAdmissionStore } from './admission-store-suite.ts';
import { InProcessAdmissionStore } from './in-process-admission-store.ts';
import { RedisAdmissionStore } from './redis-admission-store.ts';

const redisUrl = process.env.PIXELGATE_TEST_REDIS_URL;

describeAdmissionStore('InProcessAdmissionStore', () => new InProcessAdmissionStore(), null);
describeAdmissionStore(
  'RedisAdmissionStore',
  () => (redisUrl ? new RedisAdmissionStore({ url: redisUrl, keyPrefix: 'pixelgate-test:' }) : null),
  redisUrl ? null : 'PIXELGATE_TEST_REDIS_URL is not set (.ci/run starts redis-server and sets it)',
);

describe('RedisAdmissionStore leases', { skip: redisUrl ? false : 'PIXELGATE_TEST_REDIS_URL is not set' }, () => {
  const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
  const limits = { requestsPerMinute: null, maxConcurrentEdits: 1 };

  test('a node renews what it holds; a node that died stops counting once its lease ends', async () => {
    const keyId = `key_${randomUUID()}`;
    const holder = new RedisAdmissionStore({ url: redisUrl!, keyPrefix: 'pixelgate-test:', leaseMs: 300 });
    const other = new RedisAdmissionStore({ url: redisUrl!, keyPrefix: 'pixelgate-test:', leaseMs: 300 });
    try {
      assert.equal((await holder.tryAdmit(keyId, limits, Date.now())).admitted, true);
      await sleep(900);
      assert.equal((await other.tryAdmit(keyId, limits, Date.now())).admitted, false, 'renewed: still in flight after three leases');
      await holder.close();
      await sleep(500);
      assert.equal((await other.tryAdmit(keyId, limits, Date.now())).admitted, true, 'the dead holder no longer counts');
    } finally {
      await other.close();
    }
  });
});

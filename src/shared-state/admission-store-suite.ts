/**
 * The one suite every `AdmissionStore` passes: in memory, and on Redis when
 * `PIXELGATE_TEST_REDIS_URL` is set (`.ci/run` starts redis-server and sets it); without it the
 * Redis run is reported skipped with the reason, never passed silently.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { AdmissionStore } from './admission-store.ts';

export function describeAdmissionStore(subject: string, open: () => AdmissionStore | null, skipReason: string | null): void {
  describe(subject, { skip: skipReason ?? false }, () => {
    const withStore = async (body: (store: AdmissionStore, keyId: string) => Promise<void>) => {
      const store = open()!;
      try {
        await body(store, `key_${randomUUID()}`);
      } finally {
        await store.close();
      }
    };

    test('edits in flight: refused at the limit, admitted again once one is released (release is idempotent)', () =>
      withStore(async (store, keyId) => {
        const limits = { requestsPerMinute: null, maxConcurrentEdits: 2 };
        const first = await store.tryAdmit(keyId, limits, 1_000);
        const second = await store.tryAdmit(keyId, limits, 1_001);
        assert.ok(first.admitted && second.admitted);
        assert.deepEqual(await store.tryAdmit(keyId, limits, 1_002), { admitted: false, reason: 'concurrent_edits', retryAfterMs: 1000 });
        await store.release(keyId, first.ticket);
        await store.release(keyId, first.ticket);
        assert.equal((await store.tryAdmit(keyId, limits, 1_003)).admitted, true);
        assert.equal((await store.tryAdmit(keyId, limits, 1_004)).admitted, false);
        assert.equal((await store.tryAdmit(`${keyId}-other`, limits, 1_005)).admitted, true, 'keys are counted apart');
      }));

    test('requests per minute: a sliding window, with the wait until the oldest start leaves it', () =>
      withStore(async (store, keyId) => {
        const limits = { requestsPerMinute: 2, maxConcurrentEdits: null };
        const release = async (decision: Awaited<ReturnType<AdmissionStore['tryAdmit']>>) => decision.admitted && store.release(keyId, decision.ticket);
        await release(await store.tryAdmit(keyId, limits, 1_000));
        await release(await store.tryAdmit(keyId, limits, 11_000));
        assert.deepEqual(await store.tryAdmit(keyId, limits, 16_000), { admitted: false, reason: 'requests_per_minute', retryAfterMs: 45_000 });
        assert.equal((await store.tryAdmit(keyId, limits, 61_000)).admitted, true);
      }));

    test('of many concurrent admissions at the limit, exactly the limit is admitted', () =>
      withStore(async (store, keyId) => {
        const limits = { requestsPerMinute: 5, maxConcurrentEdits: null };
        const decisions = await Promise.all(Array.from({ length: 20 }, (_, index) => store.tryAdmit(keyId, limits, 5_000 + index)));
        assert.equal(decisions.filter((decision) => decision.admitted).length, 5);
      }));
  });
}

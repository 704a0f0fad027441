import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyAdmission } from './key-admission.ts';

const noLimits = { allowedModels: null, requestsPerMinute: null, maxConcurrentEdits: null };

test('concurrent edits: refused at the limit, admitted again once one ends', () => {
  const admission = new KeyAdmission(() => 0);
  const limits = { ...noLimits, maxConcurrentEdits: 2 };
  const first = admission.admit('k', limits);
  const second = admission.admit('k', limits);
  assert.deepEqual(admission.admit('k', limits), { admitted: false, reason: 'concurrent_edits', retryAfterMs: 1000 });
  assert.ok(first.admitted && second.admitted);
  first.release();
  first.release();
  assert.equal(admission.admit('k', limits).admitted, true);
  assert.equal(admission.admit('k', limits).admitted, false);
  assert.equal(admission.admit('other', limits).admitted, true);
});

test('requests per minute: a sliding window with the wait until the oldest leaves it', () => {
  let now = 1_000;
  const admission = new KeyAdmission(() => now);
  const limits = { ...noLimits, requestsPerMinute: 2 };
  assert.equal(admission.admit('k', limits).admitted, true);
  now += 10_000;
  assert.equal(admission.admit('k', limits).admitted, true);
  now += 5_000;
  assert.deepEqual(admission.admit('k', limits), { admitted: false, reason: 'requests_per_minute', retryAfterMs: 45_000 });
  now += 45_000;
  assert.equal(admission.admit('k', limits).admitted, true);
});

/**
 * The shared behaviour suite for `UsageLedger` over a real database, run against SQLite and
 * PostgreSQL by `sql-usage-ledger.test.ts` (fixtures as in the key store suite).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OpenKeyStoreFixture } from './key-store-suite.ts';
import type { Database } from './database.ts';
import { SqlKeyStore } from './sql-key-store.ts';
import { SqlUsageLedger } from './sql-usage-ledger.ts';
import type { UsageRecord } from './usage-ledger.ts';

async function withLedger(open: OpenKeyStoreFixture, body: (ledger: SqlUsageLedger, keys: SqlKeyStore, database: Database) => Promise<void>) {
  const fixture = await open();
  try {
    await body(new SqlUsageLedger(fixture.database), new SqlKeyStore(fixture.database, () => 1_764_000_000_000), fixture.database);
  } finally {
    await fixture.dispose();
  }
}

function record(overrides: Partial<UsageRecord> & Pick<UsageRecord, 'requestId'>): UsageRecord {
  return {
    keyId: null,
    model: 'gpt-image-1',
    channel: 'primary',
    status: 'succeeded',
    httpStatus: 200,
    latencyMs: 12,
    images: 1,
    inputTokens: 0,
    outputTokens: 0,
    textTokens: 0,
    imageTokens: 0,
    costMicroUsd: 0,
    createdAtMs: Date.UTC(2026, 10, 25, 12),
    ...overrides,
  };
}

export function defineUsageLedgerSuite(open: OpenKeyStoreFixture): void {
  test('a new key has no limits, unlimited credit and nothing spent', () =>
    withLedger(open, async (ledger, keys) => {
      const { record: key } = await keys.create({ name: 'a' });
      assert.deepEqual(await ledger.account(key.id), {
        keyId: key.id,
        limits: { allowedModels: null, requestsPerMinute: null, maxConcurrentEdits: null },
        creditMicroUsd: null,
        reservedMicroUsd: 0,
        spentMicroUsd: 0,
      });
      assert.equal(await ledger.account('key_missing'), null);
    }));

  test('limits change field by field; revoked keys cannot be changed', () =>
    withLedger(open, async (ledger, keys) => {
      const { record: key } = await keys.create({ name: 'a' });
      assert.equal(await ledger.updateLimits(key.id, { allowedModels: ['dall-e-2'], requestsPerMinute: 5 }), true);
      assert.equal(await ledger.updateLimits(key.id, { maxConcurrentEdits: 2, creditMicroUsd: 1_500_000 }), true);
      const account = await ledger.account(key.id);
      assert.deepEqual(account?.limits, { allowedModels: ['dall-e-2'], requestsPerMinute: 5, maxConcurrentEdits: 2 });
      assert.equal(account?.creditMicroUsd, 1_500_000);
      await keys.revoke(key.id);
      assert.equal(await ledger.updateLimits(key.id, { requestsPerMinute: 1 }), false);
      assert.equal(await ledger.topUp(key.id, 1), false);
    }));

  test('concurrent reservations never spend the same credit', () =>
    withLedger(open, async (ledger, keys) => {
      const { record: key } = await keys.create({ name: 'a' });
      await ledger.topUp(key.id, 100_000);
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => ledger.reserve(key.id, 30_000)));
      assert.equal(outcomes.filter(Boolean).length, 3);
      assert.equal((await ledger.account(key.id))?.reservedMicroUsd, 90_000);
    }));

  test('a held reservation is journaled until its settlement, listed by the node holding it', () =>
    withLedger(open, async (ledger, keys) => {
      const { record: key } = await keys.create({ name: 'journaled' });
      await ledger.topUp(key.id, 1_000_000);
      const hold = (requestId: string, owner: string) => ({ requestId, model: 'gpt-image-1', owner, nowMs: 1_000 });
      assert.equal(await ledger.reserve(key.id, 40_000, hold('req_dead', 'node_dead')), true);
      assert.equal(await ledger.reserve(key.id, 30_000, hold('req_live', 'node_live')), true);
      // A refused reservation journals nothing.
      assert.equal(await ledger.reserve(key.id, 10_000_000, hold('req_refused', 'node_dead')), false);
      assert.deepEqual(await ledger.openReservations(['node_dead']), [
        { requestId: 'req_dead', keyId: key.id, model: 'gpt-image-1', amountMicroUsd: 40_000, owner: 'node_dead', createdAtMs: 1_000 },
      ]);
      assert.deepEqual(await ledger.openReservations([]), []);
      await ledger.finish(40_000, record({ requestId: 'req_dead', keyId: key.id, status: 'interrupted', httpStatus: 500, costMicroUsd: 0 }));
      assert.deepEqual(await ledger.openReservations(['node_dead', 'node_live']).then((rows) => rows.map((row) => row.requestId)), ['req_live']);
      assert.equal((await ledger.account(key.id))?.reservedMicroUsd, 30_000);
    }));

  test('finish settles the actual cost, returns the reservation and writes the record atomically', () =>
    withLedger(open, async (ledger, keys) => {
      const { record: key } = await keys.create({ name: 'alice' });
      await ledger.topUp(key.id, 1_000_000);
      assert.equal(await ledger.reserve(key.id, 400_000), true);
      await ledger.finish(400_000, record({ requestId: 'req_1', keyId: key.id, costMicroUsd: 250_000 }));
      assert.equal(await ledger.reserve(key.id, 300_000), true);
      await ledger.finish(300_000, record({ requestId: 'req_2', keyId: key.id, status: 'failed', httpStatus: 503, costMicroUsd: 0 }));
      const account = await ledger.account(key.id);
      assert.deepEqual([account?.creditMicroUsd, account?.reservedMicroUsd, account?.spentMicroUsd], [750_000, 0, 250_000]);
      // A retried settlement (same request id) changes nothing: no second charge, no second release.
      await ledger.finish(400_000, record({ requestId: 'req_1', keyId: key.id, costMicroUsd: 250_000 }));
      const after = await ledger.account(key.id);
      assert.deepEqual([after?.creditMicroUsd, after?.reservedMicroUsd, after?.spentMicroUsd], [750_000, 0, 250_000]);
      assert.equal((await ledger.recentRequests({ limit: 10, keyId: key.id })).length, 2);
    }));

  test('summaries by day, model and key; recent requests newest first with filters', () =>
    withLedger(open, async (ledger, keys) => {
      const { record: alice } = await keys.create({ name: 'alice' });
      const day1 = Date.UTC(2026, 10, 24, 23, 59);
      const day2 = Date.UTC(2026, 10, 25, 0, 1);
      await ledger.finish(0, record({ requestId: 'req_a', keyId: alice.id, model: 'dall-e-2', images: 2, costMicroUsd: 40_000, inputTokens: 300, outputTokens: 4_000, createdAtMs: day1 }));
      await ledger.finish(0, record({ requestId: 'req_b', keyId: alice.id, model: 'gpt-image-1', costMicroUsd: 70_000, inputTokens: 50, outputTokens: 1_000, createdAtMs: day2 }));
      await ledger.finish(0, record({ requestId: 'req_c', keyId: null, model: 'gpt-image-1', status: 'failed', httpStatus: 400, images: 0, createdAtMs: day2 + 1 }));
      const range = { fromMs: Date.UTC(2026, 10, 24), toMs: Date.UTC(2026, 10, 26) };
      assert.deepEqual(await ledger.summary({ ...range, groupBy: 'day' }), [
        { group: '2026-11-24', keyName: 'alice', edits: 1, succeeded: 1, failed: 0, images: 2, costMicroUsd: 40_000, inputTokens: 300, outputTokens: 4_000 },
        { group: '2026-11-25', keyName: 'alice', edits: 2, succeeded: 1, failed: 1, images: 1, costMicroUsd: 70_000, inputTokens: 50, outputTokens: 1_000 },
      ]);
      assert.deepEqual(
        (await ledger.summary({ ...range, groupBy: 'model' })).map((row) => [row.group, row.edits, row.costMicroUsd]),
        [['dall-e-2', 1, 40_000], ['gpt-image-1', 2, 70_000]],
      );
      assert.deepEqual(
        (await ledger.summary({ ...range, groupBy: 'key' })).map((row) => [row.group, row.keyName, row.edits]),
        [['', null, 1], [alice.id, 'alice', 2]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      assert.deepEqual((await ledger.summary({ fromMs: day2, toMs: day2 + 1, groupBy: 'model' })).map((row) => row.edits), [1]);
      assert.deepEqual((await ledger.recentRequests({ limit: 10 })).map((row) => row.requestId), ['req_c', 'req_b', 'req_a']);
      assert.deepEqual((await ledger.recentRequests({ limit: 1 })).map((row) => row.requestId), ['req_c']);
      const filtered = await ledger.recentRequests({ limit: 10, keyId: alice.id, model: 'dall-e-2' });
      assert.deepEqual(filtered.map((row) => [row.requestId, row.keyName, row.images, row.costMicroUsd]), [['req_a', 'alice', 2, 40_000]]);
    }));
}

/**
 * `SqlEditRecordStore` on SQLite and PostgreSQL: tasks end once, are read only by their scope,
 * and are found again after their owner died; idempotency keys are claimed by exactly one of
 * many concurrent requests, taken over only when abandoned, and freed when expired.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeOnEveryDatabase, type OpenDatabaseFixture } from './every-database.ts';
import type { NewEditTask, NewIdempotencyRecord } from './edit-record-store.ts';
import { SqlEditRecordStore } from './sql-edit-record-store.ts';

const now = 1_764_000_000_000;

async function withStore(open: OpenDatabaseFixture, body: (store: SqlEditRecordStore) => Promise<void>): Promise<void> {
  const fixture = await open();
  try {
    await body(new SqlEditRecordStore(fixture.database));
  } finally {
    await fixture.dispose();
  }
}

function newTask(overrides: Partial<NewEditTask> = {}): NewEditTask {
  return {
    id: 'task_1',
    scope: 'key_a',
    requestId: 'req_1',
    keyId: 'key_a',
    model: 'gpt-image-1',
    createdAtMs: now,
    expiresAtMs: now + 86_400_000,
    owner: 'node-1',
    leaseUntilMs: now + 30_000,
    reservedMicroUsd: 265_605,
    ...overrides,
  };
}

function newRecord(overrides: Partial<NewIdempotencyRecord> = {}): NewIdempotencyRecord {
  return {
    scope: 'key_a',
    idempotencyKey: 'retry-1',
    fingerprint: 'f1',
    requestId: 'req_1',
    owner: 'node-1',
    leaseUntilMs: now + 30_000,
    createdAtMs: now,
    expiresAtMs: now + 86_400_000,
    ...overrides,
  };
}

describeOnEveryDatabase('SqlEditRecordStore', (open) => {
  test('a task is queued, started once, finished once, and read only by its scope', async () => {
    await withStore(open, async (store) => {
      await store.createTask(newTask());
      assert.equal((await store.task('key_a', 'task_1'))?.status, 'queued');
      assert.equal(await store.task('key_b', 'task_1'), null, "another key's task looks like none");
      assert.equal(await store.startTask('task_1', now + 1), true);
      assert.equal(await store.startTask('task_1', now + 2), false);
      assert.equal(await store.finishTask('task_1', 'succeeded', '{"kind":"images"}', now + 3), true);
      assert.equal(await store.finishTask('task_1', 'failed', '{}', now + 4), false, 'ends once');
      const task = await store.task('key_a', 'task_1');
      assert.deepEqual([task?.status, task?.answer, task?.completedAtMs, task?.reservedMicroUsd], ['succeeded', '{"kind":"images"}', now + 3, 265_605]);
    });
  });

  test('interrupted tasks: lease run out, or owned by the node that restarted; renewed leases hold', async () => {
    await withStore(open, async (store) => {
      await store.createTask(newTask({ id: 'task_a', owner: 'node-1' }));
      await store.createTask(newTask({ id: 'task_b', owner: 'node-2' }));
      await store.createTask(newTask({ id: 'task_c', owner: 'node-2' }));
      await store.finishTask('task_c', 'failed', '{}', now);
      assert.deepEqual((await store.interruptedTasks(null, now)).map((task) => task.id), []);
      assert.deepEqual((await store.interruptedTasks('node-1', now)).map((task) => task.id), ['task_a']);
      await store.renewLeases('node-2', now + 90_000);
      const later = now + 60_000;
      assert.deepEqual((await store.interruptedTasks(null, later)).map((task) => task.id), ['task_a'], 'node-2 renewed; a finished task is never interrupted');
    });
  });

  test('of many concurrent claims of one key, exactly one wins; the others see its record', async () => {
    await withStore(open, async (store) => {
      const claims = await Promise.all(Array.from({ length: 8 }, (_, index) => store.claimIdempotency(newRecord({ requestId: `req_${index}` }), now)));
      const winners = claims.filter((claim) => claim.kind === 'claimed');
      assert.equal(winners.length, 1);
      const seen = new Set(claims.flatMap((claim) => (claim.kind === 'existing' ? [claim.record.requestId] : [])));
      assert.equal(seen.size, 1, 'every loser sees the one winner');
      assert.equal((await store.claimIdempotency(newRecord({ scope: 'key_b', requestId: 'req_other' }), now)).kind, 'claimed', 'keys are scoped');
    });
  });

  test('finished answers are kept; only the holder finishes; release frees the key; expiry ends the window', async () => {
    await withStore(open, async (store) => {
      assert.equal((await store.claimIdempotency(newRecord(), now)).kind, 'claimed');
      assert.equal(await store.finishIdempotency('key_a', 'retry-1', 'req_someone_else', '{}'), false);
      assert.equal(await store.finishIdempotency('key_a', 'retry-1', 'req_1', '{"kind":"error"}'), true);
      const claim = await store.claimIdempotency(newRecord({ requestId: 'req_2' }), now + 1);
      assert.ok(claim.kind === 'existing');
      assert.deepEqual([claim.record.status, claim.record.answer, claim.record.requestId], ['finished', '{"kind":"error"}', 'req_1']);
      assert.equal((await store.claimIdempotency(newRecord({ requestId: 'req_3' }), now + 86_400_000)).kind, 'claimed', 'expired: a new window');
      await store.releaseIdempotency('key_a', 'retry-1', 'req_3');
      assert.equal(await store.idempotency('key_a', 'retry-1'), null);
    });
  });

  test('an abandoned running record is taken over by one request only', async () => {
    await withStore(open, async (store) => {
      await store.claimIdempotency(newRecord(), now);
      const abandoned = (await store.idempotency('key_a', 'retry-1'))!;
      const takeovers = await Promise.all([
        store.takeOverIdempotency(abandoned, newRecord({ requestId: 'req_x', owner: 'node-2' })),
        store.takeOverIdempotency(abandoned, newRecord({ requestId: 'req_y', owner: 'node-3' })),
      ]);
      assert.deepEqual(takeovers.filter(Boolean).length, 1);
      assert.ok(['req_x', 'req_y'].includes((await store.idempotency('key_a', 'retry-1'))!.requestId));
    });
  });

  test('countTasksByStatus counts every task by its state', async () => {
    await withStore(open, async (store) => {
      await store.createTask(newTask({ id: 'task_a' }));
      await store.createTask(newTask({ id: 'task_b' }));
      await store.createTask(newTask({ id: 'task_c' }));
      await store.startTask('task_b', now);
      await store.finishTask('task_c', 'failed', '{}', now);
      assert.deepEqual(await store.countTasksByStatus(), { queued: 1, in_progress: 1, failed: 1 });
    });
  });

  test('deleteExpired: finished records go; ended tasks turn expired without their answer, then go; open ones stay', async () => {
    await withStore(open, async (store) => {
      await store.createTask(newTask({ id: 'task_open', createdAtMs: now - 100, expiresAtMs: now }));
      await store.createTask(newTask({ id: 'task_done', createdAtMs: now - 100, expiresAtMs: now }));
      await store.finishTask('task_done', 'succeeded', '{"kind":"images"}', now - 50);
      await store.claimIdempotency(newRecord({ expiresAtMs: now + 10 }), now);
      await store.finishIdempotency('key_a', 'retry-1', 'req_1', '{}');
      assert.equal(await store.deleteExpired(now + 10), 1);
      assert.equal((await store.task('key_a', 'task_open'))?.status, 'queued');
      const expired = await store.task('key_a', 'task_done');
      assert.deepEqual([expired?.status, expired?.answer, expired?.completedAtMs], ['expired', null, now - 50]);
      // Kept 100 ms, so it answers `expired` until 100 ms after its expiry.
      assert.equal(await store.deleteExpired(now + 99), 0);
      assert.equal(await store.deleteExpired(now + 100), 1);
      assert.equal(await store.task('key_a', 'task_done'), null);
      assert.equal((await store.task('key_a', 'task_open'))?.status, 'queued');
    });
  });
});

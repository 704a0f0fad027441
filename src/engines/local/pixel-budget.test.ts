import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PixelBudget } from './pixel-budget.ts';

const never = new AbortController().signal;

/** Resolves to whether `promise` settled within a turn of the event loop. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

test('fills run side by side while their pixels fit; the next waits until one releases', async () => {
  const budget = new PixelBudget(100);
  const first = await budget.acquire(60, never);
  const second = await budget.acquire(40, never);
  assert.equal(budget.held, 100);
  const third = budget.acquire(10, never);
  assert.equal(await settledSoon(third), false);
  assert.equal(budget.waiting, 1);
  first();
  const releaseThird = await third;
  assert.equal(budget.held, 50);
  second();
  releaseThird();
  assert.equal(budget.held, 0);
});

test('a fill larger than the whole budget runs alone, and does not wait forever', async () => {
  const budget = new PixelBudget(100);
  const small = await budget.acquire(10, never);
  const huge = budget.acquire(500, never);
  assert.equal(await settledSoon(huge), false);
  small();
  const releaseHuge = await huge;
  assert.equal(budget.held, 500);
  const after = budget.acquire(1, never);
  assert.equal(await settledSoon(after), false, 'nothing runs beside the oversized fill');
  releaseHuge();
  (await after)();
});

test('first in, first out: a small fill does not overtake a waiting large one', async () => {
  const budget = new PixelBudget(100);
  const running = await budget.acquire(50, never);
  const large = budget.acquire(80, never);
  const small = budget.acquire(10, never);
  assert.equal(await settledSoon(small), false, 'the small fill would fit, but the large one came first');
  running();
  const releaseLarge = await large;
  const releaseSmall = await small;
  assert.equal(budget.held, 90);
  releaseLarge();
  releaseSmall();
});

test('an aborted waiter leaves the queue, lets the ones behind it in, and holds nothing', async () => {
  const budget = new PixelBudget(100);
  const running = await budget.acquire(50, never);
  const controller = new AbortController();
  const large = budget.acquire(80, controller.signal);
  const small = budget.acquire(10, never);
  controller.abort(new Error('client gone'));
  await assert.rejects(large, /client gone/);
  const releaseSmall = await small;
  assert.equal(budget.held, 60);
  assert.equal(budget.waiting, 0);
  running();
  releaseSmall();
  releaseSmall();
  assert.equal(budget.held, 0, 'a release called twice counts once');
  await assert.rejects(budget.acquire(1, controller.signal), /client gone/);
});

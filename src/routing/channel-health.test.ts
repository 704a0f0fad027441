import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChannelHealth } from './channel-health.ts';

function health(failureThreshold = 2, openDurationMs = 1000) {
  const clock = { now: 10_000 };
  return { clock, breaker: new ChannelHealth({ failureThreshold, openDurationMs, clock: () => clock.now }) };
}

test('opens after failureThreshold failures in a row, then lets exactly one probe through', () => {
  const { clock, breaker } = health();
  assert.equal(breaker.acquire('a'), 'normal');
  breaker.failed('a', 'boom 1', null);
  assert.deepEqual(breaker.snapshot('a'), { state: 'failing', consecutiveFailures: 1, lastError: 'boom 1', lastErrorAtMs: 10_000, openUntilMs: null });
  breaker.failed('a', 'boom 2', null);
  assert.equal(breaker.snapshot('a').state, 'open');
  assert.equal(breaker.acquire('a'), 'refused');
  assert.equal(breaker.waitMs('a'), 1000);
  clock.now += 1000;
  assert.equal(breaker.snapshot('a').state, 'failing');
  assert.equal(breaker.acquire('a'), 'probe');
  assert.equal(breaker.acquire('a'), 'refused', 'a second request while the probe is in flight');
  breaker.succeeded('a');
  assert.deepEqual(breaker.snapshot('a'), { state: 'up', consecutiveFailures: 0, lastError: 'boom 2', lastErrorAtMs: 10_000, openUntilMs: null });
  assert.equal(breaker.acquire('a'), 'normal');
});

test('a failed probe opens the circuit again; a released probe leaves it closed to a new probe', () => {
  const { clock, breaker } = health(1, 500);
  breaker.failed('a', 'x', null);
  clock.now += 500;
  assert.equal(breaker.acquire('a'), 'probe');
  breaker.failed('a', 'y', null);
  assert.equal(breaker.snapshot('a').openUntilMs, clock.now + 500);
  clock.now += 500;
  assert.equal(breaker.acquire('a'), 'probe');
  breaker.released('a');
  assert.equal(breaker.acquire('a'), 'probe');
});

test('retry-after keeps a channel out even below the threshold, and a success clears it', () => {
  const { clock, breaker } = health(5);
  breaker.failed('a', '429', 3000);
  assert.deepEqual([breaker.snapshot('a').state, breaker.acquire('a')], ['open', 'refused']);
  clock.now += 3000;
  assert.equal(breaker.acquire('a'), 'probe');
  breaker.succeeded('a');
  assert.equal(breaker.snapshot('a').state, 'up');
});

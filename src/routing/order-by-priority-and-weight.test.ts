import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderByPriorityAndWeight } from './order-by-priority-and-weight.ts';

test('higher priority always first; equal priorities share first place by weight', () => {
  const targets = [
    { name: 'low', priority: 0, weight: 100 },
    { name: 'heavy', priority: 5, weight: 3 },
    { name: 'light', priority: 5, weight: 1 },
  ];
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const firsts = { heavy: 0, light: 0 };
  for (let round = 0; round < 4000; round++) {
    const order = orderByPriorityAndWeight(targets, random).map((target) => target.name);
    assert.equal(order[2], 'low');
    firsts[order[0] as 'heavy' | 'light'] += 1;
  }
  const share = firsts.heavy / 4000;
  assert.ok(share > 0.72 && share < 0.78, `heavy first ${share}`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readEditMask } from './read-edit-mask.ts';

test('only fully transparent pixels are to be filled', () => {
  const data = Buffer.from([
    1, 2, 3, 0, /**/ 1, 2, 3, 1, /**/ 0, 0, 0, 255, /**/ 255, 255, 255, 0,
  ]);
  assert.deepEqual([...readEditMask({ data, width: 2, height: 2 })], [1, 0, 0, 1]);
});

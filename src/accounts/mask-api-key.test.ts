import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskApiKey } from './mask-api-key.ts';

test('a full key keeps its first 5 and last 4 characters', () => {
  const key = `sk-pg-${'A'.repeat(28)}wxyz`;
  assert.equal(maskApiKey(key), `sk-pg${'*'.repeat(29)}wxyz`);
  assert.equal(maskApiKey(key).length, key.length);
});

test('12 characters reveal 9 at most', () => {
  assert.equal(maskApiKey('abcdefghijkl'), 'abcde***ijkl');
});

test('anything shorter than 12 characters is all asterisks', () => {
  assert.equal(maskApiKey(''), '');
  assert.equal(maskApiKey('sk-pg-abcd'), '**********');
  assert.equal(maskApiKey('abcdefghijk'), '***********');
});

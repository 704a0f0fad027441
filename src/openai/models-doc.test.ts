import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { modelsDocPath, renderModelsDoc } from '../../scripts/capability-table.ts';

test('docs/models.md is what `npm run docs:models` generates from the capability table', () => {
  assert.equal(readFileSync(modelsDocPath, 'utf8'), renderModelsDoc(), 'docs/models.md is stale: run `npm run docs:models`');
});

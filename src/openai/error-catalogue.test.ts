import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { apiError, errorCatalogue, quoteList } from './error-catalogue.ts';

describe('error catalogue', () => {
  it('documents every entry in docs/errors.md with its status and code', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    for (const [name, entry] of Object.entries(errorCatalogue)) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      assert.ok(row, `docs/errors.md lacks ${name}`);
      const cells = row.split('|').map((cell) => cell.trim());
      assert.equal(cells[2], String(entry.status), `${name} status`);
      assert.equal(cells[3], entry.type, `${name} type`);
      assert.equal(cells[4], String(entry.code), `${name} code`);
    }
  });

  it('renders OpenAI-style lists', () => {
    assert.equal(quoteList(['a']), "'a'");
    assert.equal(quoteList(['url', 'b64_json']), "'url' and 'b64_json'");
    assert.equal(quoteList(['a', 'b', 'c']), "'a', 'b', and 'c'");
  });

  it('builds the envelope with all four keys and carries retry-after', () => {
    const error = apiError('rate_limit_exceeded', { reason: 'Busy.', retryAfterSeconds: 3 });
    assert.deepEqual(error.body, {
      error: { message: 'Busy. Please try again in 3s.', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    assert.equal(error.status, 429);
    assert.equal(error.retryAfterSeconds, 3);
  });
});

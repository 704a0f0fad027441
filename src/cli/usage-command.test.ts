import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../accounts/database.ts';
import { SqlKeyStore } from '../accounts/sql-key-store.ts';
import { SqlUsageLedger } from '../accounts/sql-usage-ledger.ts';
import { runPixelgateCli } from './pixelgate-cli.ts';
import type { UsageCliContext } from './usage-command.ts';

test('usage summary, usage requests and credit add over a real database', async () => {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'pixelgate-usage-cli-'));
  const database = await openDatabase({ url: `sqlite:${path.join(directory, 'pixelgate.db')}` });
  try {
    const keys = new SqlKeyStore(database);
    const ledger = new SqlUsageLedger(database);
    const { record } = await keys.create({ name: 'alice' });
    const at = Date.UTC(2026, 10, 25, 10);
    const base = { keyId: record.id, channel: 'openai', httpStatus: 200, latencyMs: 900, inputTokens: 0, outputTokens: 0, textTokens: 0, imageTokens: 0, createdAtMs: at };
    await ledger.finish(0, { ...base, requestId: 'req_1', model: 'gpt-image-1', status: 'succeeded', images: 2, inputTokens: 1650, textTokens: 50, imageTokens: 1600, outputTokens: 4160, costMicroUsd: 85_000 });
    await ledger.finish(0, { ...base, requestId: 'req_2', model: 'gpt-image-1', status: 'failed', httpStatus: 503, images: 0, costMicroUsd: 0, createdAtMs: at + 1000 });
    let output = '';
    const context: UsageCliContext = {
      output: (text) => void (output += text),
      errorOutput: () => {},
      openKeyStore: async () => ({ keyStore: keys, close: async () => {} }),
      openUsageLedger: async () => ({ ledger, close: async () => {} }),
    };
    assert.equal(await runPixelgateCli(['usage', 'summary', '--group-by', 'key', '--from', '2026-11-25', '--to', '2026-11-26'], context), 0);
    assert.equal(
      output,
      [
        'KEY                           NAME   EDITS  SUCCEEDED  FAILED  IMAGES  IN TOKENS  OUT TOKENS  COST USD',
        `${record.id}  alice  2      1          1       2       1650       4160        0.085000`,
        '',
      ].join('\n'),
    );
    output = '';
    assert.equal(await runPixelgateCli(['usage', 'requests', '--limit', '1'], context), 0);
    assert.equal(
      output.split('\n')[1],
      'req_2    2026-11-25T10:00:01.000Z  alice  gpt-image-1  openai   failed  503   900  0       0          0     0      0           0.000000',
    );
    output = '';
    assert.equal(await runPixelgateCli(['usage', 'requests', '--limit', '2'], context), 0);
    assert.match(output.split('\n')[2], /^req_1 .* succeeded +200 +900 +2 +1650 +50 +1600 +4160 +0\.085000$/);
    output = '';
    assert.equal(await runPixelgateCli(['credit', 'add', record.id, '2.5'], context), 0);
    assert.equal(output, `Added $2.50 to ${record.id}; credit now $2.500000.\n`);
    assert.equal(await runPixelgateCli(['credit', 'add', record.id, '-1'], context), 1);
    assert.equal(await runPixelgateCli(['usage', 'summary', '--group-by', 'week'], context), 1);
  } finally {
    await database.close();
    await fs.rm(directory, { recursive: true, force: true });
  }
});

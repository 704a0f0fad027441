import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiKeyRecord, KeyStore } from '../accounts/key-store.ts';
import { runPixelgateCli } from './pixelgate-cli.ts';

function recordingContext(keyStore: Partial<KeyStore>) {
  const written = { output: '', errorOutput: '', closed: 0 };
  const context = {
    output: (text: string) => void (written.output += text),
    errorOutput: (text: string) => void (written.errorOutput += text),
    openKeyStore: async () => ({ keyStore: keyStore as KeyStore, close: async () => void (written.closed += 1) }),
  };
  return { context, written };
}

test('keys list renders a table with ISO times, "never" and the status', async () => {
  const records: ApiKeyRecord[] = [
    { id: 'key_bbbbbbbbbbbbbbbbbbbbbbbb', name: 'line\nbreak', prefix: 'sk-pg-Bbbb', createdAtMs: 86_400_000, lastUsedAtMs: 86_401_000, revokedAtMs: 86_402_000 },
    { id: 'key_aaaaaaaaaaaaaaaaaaaaaaaa', name: 'a', prefix: 'sk-pg-Aaaa', createdAtMs: 0, lastUsedAtMs: null, revokedAtMs: null },
  ];
  const { context, written } = recordingContext({ list: async () => records });
  assert.equal(await runPixelgateCli(['keys', 'list'], context), 0);
  assert.equal(
    written.output,
    [
      'ID                            PREFIX       NAME        CREATED                   LAST USED                 STATUS',
      'key_bbbbbbbbbbbbbbbbbbbbbbbb  sk-pg-Bbbb…  line break  1970-01-02T00:00:00.000Z  1970-01-02T00:00:01.000Z  revoked',
      'key_aaaaaaaaaaaaaaaaaaaaaaaa  sk-pg-Aaaa…  a           1970-01-01T00:00:00.000Z  never                     active',
      '',
    ].join('\n'),
  );
  assert.equal(written.errorOutput, '');
  assert.equal(written.closed, 1);
});

test('an unexpected failure is printed once, the store is closed and the exit code is 1', async () => {
  const { context, written } = recordingContext({ list: async () => Promise.reject(new Error('database is locked')) });
  assert.equal(await runPixelgateCli(['keys', 'list'], context), 1);
  assert.equal(written.errorOutput, 'error: database is locked\n');
  assert.equal(written.closed, 1);
});

test('help goes to the output writer and exits 0', async () => {
  const { context, written } = recordingContext({});
  assert.equal(await runPixelgateCli(['keys', '--help'], context), 0);
  assert.match(written.output, /^Usage: pixelgate keys \[options\] \[command\]/);
  assert.match(written.output, /create \[options\]/);
  assert.match(written.output, /revoke <id>/);
});

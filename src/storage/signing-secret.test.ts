import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadOrCreateSigningSecret } from './signing-secret.ts';

async function temporaryDirectory(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'pixelgate-secret-'));
  t.after(() => fs.rm(directory, { recursive: true, force: true }));
  return directory;
}

test('first use creates a private 32-byte secret; later uses read the same one', async (t) => {
  const dataDir = path.join(await temporaryDirectory(t), 'nested', 'data');
  const created = await loadOrCreateSigningSecret(dataDir);
  assert.equal(created.length, 32);
  const stat = await fs.stat(path.join(dataDir, 'signing-secret'));
  assert.equal(stat.mode & 0o777, 0o600);
  assert.deepEqual(await loadOrCreateSigningSecret(dataDir), created);
  assert.deepEqual(await fs.readdir(dataDir), ['signing-secret'], 'no temporary files left behind');
});

test('concurrent first uses agree on one secret', async (t) => {
  const dataDir = await temporaryDirectory(t);
  const secrets = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSigningSecret(dataDir)));
  for (const secret of secrets) assert.deepEqual(secret, secrets[0]);
  assert.deepEqual(await fs.readdir(dataDir), ['signing-secret']);
});

test('a secret file of the wrong length is refused with a clear message', async (t) => {
  const dataDir = await temporaryDirectory(t);
  await fs.writeFile(path.join(dataDir, 'signing-secret'), 'too short');
  await assert.rejects(loadOrCreateSigningSecret(dataDir), /holds 9 bytes, expected 32/);
});

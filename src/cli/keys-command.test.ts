import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const binPath = fileURLToPath(new URL('../../bin/pixelgate.js', import.meta.url));

interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runPixelgate(args: string[], environment: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve) => {
    const inherited = { ...process.env };
    delete inherited.DATA_DIR;
    delete inherited.PIXELGATE_DATABASE_URL;
    execFile(process.execPath, [binPath, ...args], { env: { ...inherited, ...environment } }, (error, stdout, stderr) => {
      resolve({ exitCode: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

async function temporaryDirectory(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'pixelgate-cli-'));
  t.after(() => fs.rm(directory, { recursive: true, force: true }));
  return directory;
}

test('keys create, list, revoke and list again, against a fresh DATA_DIR', async (t) => {
  const dataDir = path.join(await temporaryDirectory(t), 'not-yet-created');
  const environment = { DATA_DIR: dataDir };

  const created = await runPixelgate(['keys', 'create', '--name', 'alice'], environment);
  assert.equal(created.stderr, '');
  assert.equal(created.exitCode, 0);
  const match = /^Created API key (key_[0-9a-f]{24}) \(alice\)\.\n(sk-pg-[0-9A-Za-z]{32})\nStore this key now: it cannot be shown again\.\n$/.exec(created.stdout);
  assert.ok(match, created.stdout);
  const [, id, secret] = match;
  await fs.access(path.join(dataDir, 'pixelgate.db'));

  const listed = await runPixelgate(['keys', 'list'], environment);
  assert.equal(listed.exitCode, 0);
  const [header, row, ...rest] = listed.stdout.trimEnd().split('\n');
  assert.deepEqual(header.split(/\s{2,}/), ['ID', 'PREFIX', 'NAME', 'CREATED', 'LAST USED', 'STATUS']);
  const cells = row.split(/\s{2,}/);
  assert.equal(cells[0], id);
  assert.equal(cells[1], `${secret.slice(0, 10)}…`);
  assert.equal(cells[2], 'alice');
  assert.match(cells[3], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(cells.slice(4), ['never', 'active']);
  assert.deepEqual(rest, []);
  assert.equal(listed.stdout.includes(secret), false, 'the secret is never listed');

  const revoked = await runPixelgate(['keys', 'revoke', id], environment);
  assert.deepEqual(revoked, { exitCode: 0, stdout: `Revoked API key ${id}.\n`, stderr: '' });

  const listedAgain = await runPixelgate(['keys', 'list'], environment);
  assert.match(listedAgain.stdout.split('\n')[1], /\s{2}revoked$/);

  const revokedAgain = await runPixelgate(['keys', 'revoke', id], environment);
  assert.equal(revokedAgain.exitCode, 1);
  assert.equal(revokedAgain.stderr, `error: no active API key with id "${id}" (it does not exist or is already revoked)\n`);
});

test('revoking an unknown id exits non-zero with a clear message', async (t) => {
  const dataDir = await temporaryDirectory(t);
  const result = await runPixelgate(['keys', 'revoke', 'key_000000000000000000000000'], { DATA_DIR: dataDir });
  assert.deepEqual(result, {
    exitCode: 1,
    stdout: '',
    stderr: 'error: no active API key with id "key_000000000000000000000000" (it does not exist or is already revoked)\n',
  });
});

test('an empty list says how to create a key', async (t) => {
  const dataDir = await temporaryDirectory(t);
  const result = await runPixelgate(['keys', 'list'], { DATA_DIR: dataDir });
  assert.deepEqual(result, { exitCode: 0, stdout: 'No API keys. Create one with: pixelgate keys create --name <name>\n', stderr: '' });
});

test('PIXELGATE_DATABASE_URL takes precedence over DATA_DIR', async (t) => {
  const directory = await temporaryDirectory(t);
  const databasePath = path.join(directory, 'elsewhere.db');
  const environment = { DATA_DIR: path.join(directory, 'unused'), PIXELGATE_DATABASE_URL: `sqlite:${databasePath}` };
  const created = await runPixelgate(['keys', 'create', '--name', 'bob'], environment);
  assert.equal(created.exitCode, 0, created.stderr);
  await fs.access(databasePath);
  await assert.rejects(fs.access(path.join(directory, 'unused')));
});

test('usage errors exit non-zero and name the problem', async (t) => {
  const dataDir = await temporaryDirectory(t);
  const missingName = await runPixelgate(['keys', 'create'], { DATA_DIR: dataDir });
  assert.equal(missingName.exitCode, 1);
  assert.match(missingName.stderr, /^error: required option '--name <name>' not specified\n/);

  const blankName = await runPixelgate(['keys', 'create', '--name', '  '], { DATA_DIR: dataDir });
  assert.deepEqual(blankName, { exitCode: 1, stdout: '', stderr: 'error: --name must not be empty\n' });

  const unknownCommand = await runPixelgate(['bogus'], { DATA_DIR: dataDir });
  assert.equal(unknownCommand.exitCode, 1);
  assert.match(unknownCommand.stderr, /^error: unknown command 'bogus'\n/);
});

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { databaseUrlForDataDirectory, openDatabase } from './database.ts';

async function temporaryDirectory(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'pixelgate-db-'));
  t.after(() => fs.rm(directory, { recursive: true, force: true }));
  return directory;
}

test('a SQLite database opens in WAL mode with a busy timeout and foreign keys on', async (t) => {
  const database = await openDatabase({ url: databaseUrlForDataDirectory(await temporaryDirectory(t)) });
  t.after(() => database.close());
  assert.equal(database.dialect, 'sqlite');
  const pragma = async (name: string) => (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(database.db)).rows[0];
  assert.deepEqual(await pragma('journal_mode'), { journal_mode: 'wal' });
  assert.deepEqual(await pragma('foreign_keys'), { foreign_keys: 1 });
  assert.deepEqual(await pragma('busy_timeout'), { timeout: 5000 });
});

test('migrations run once: reopening keeps rows, and concurrent first opens all succeed', async (t) => {
  const url = `sqlite:${path.join(await temporaryDirectory(t), 'pixelgate.db')}`;
  const opened = await Promise.all(Array.from({ length: 6 }, () => openDatabase({ url })));
  await opened[0].db
    .insertInto('api_keys')
    .values({ id: 'key_1', name: 'n', prefix: 'p', secret_hash: 'h', created_at_ms: 1, last_used_at_ms: null, revoked_at_ms: null })
    .execute();
  await Promise.all(opened.map((database) => database.close()));
  const reopened = await openDatabase({ url });
  t.after(() => reopened.close());
  assert.deepEqual(await reopened.db.selectFrom('api_keys').select(['id', 'created_at_ms']).execute(), [{ id: 'key_1', created_at_ms: 1 }]);
});

test('databaseUrlForDataDirectory names pixelgate.db by absolute path', () => {
  assert.equal(databaseUrlForDataDirectory('/srv/pixelgate'), 'sqlite:/srv/pixelgate/pixelgate.db');
  assert.equal(databaseUrlForDataDirectory('data'), `sqlite:${path.resolve('data', 'pixelgate.db')}`);
});

test('bad URLs are refused with the URL named and any password hidden', async () => {
  await assert.rejects(openDatabase({ url: 'sqlite:relative/file.db' }), /must hold an absolute path, got "sqlite:relative\/file\.db"/);
  await assert.rejects(
    openDatabase({ url: 'mysql://user:hunter2@db/pixelgate' }),
    (error: Error) => error.message.includes('"mysql://***@db/pixelgate"') && !error.message.includes('hunter2'),
  );
});

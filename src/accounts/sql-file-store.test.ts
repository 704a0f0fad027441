/** SqlFileStore on SQLite and PostgreSQL: scoped reads, expiry, deletes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeOnEveryDatabase, type OpenDatabaseFixture } from './every-database.ts';
import type { UploadedFileRecord } from './file-store.ts';
import { SqlFileStore } from './sql-file-store.ts';

const now = 1_764_000_000_000;

function file(overrides: Partial<UploadedFileRecord> = {}): UploadedFileRecord {
  return { id: 'file-a', scope: 'key_a', filename: 'a.png', purpose: 'vision', bytes: 120, blobKey: 'file_a', createdAtMs: now, expiresAtMs: now + 1000, ...overrides };
}

describeOnEveryDatabase('SqlFileStore', (open: OpenDatabaseFixture) => {
  test('a file is found by its scope only, until it expires; delete returns it once', async () => {
    const fixture = await open();
    try {
      const store = new SqlFileStore(fixture.database);
      await store.create(file());
      await store.create(file({ id: 'file-b', blobKey: 'file_b', expiresAtMs: now + 10 }));
      assert.deepEqual(await store.find('key_a', 'file-a', now), file());
      assert.equal(await store.find('key_b', 'file-a', now), null);
      assert.equal(await store.find('key_a', 'file-b', now + 10), null, 'expired');
      assert.deepEqual((await store.deleteExpired(now + 10)).map((record) => record.blobKey), ['file_b']);
      assert.equal(await store.delete('key_b', 'file-a'), null);
      assert.deepEqual(await store.delete('key_a', 'file-a'), file());
      assert.equal(await store.delete('key_a', 'file-a'), null);
    } finally {
      await fixture.dispose();
    }
  });
});

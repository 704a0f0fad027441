/**
 * The shared behaviour suite for `KeyStore` over a real database, run against every dialect by
 * `sql-key-store.test.ts`. Each test opens its own fixture (fresh file or fresh schema).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import type { Database } from './database.ts';
import { SqlKeyStore, hashApiKey, lastUsedWriteIntervalMs } from './sql-key-store.ts';

export type { DatabaseFixture as KeyStoreFixture, OpenDatabaseFixture as OpenKeyStoreFixture } from './every-database.ts';
import type { OpenDatabaseFixture as OpenKeyStoreFixture } from './every-database.ts';

function manualClock(startMs: number) {
  let nowMs = startMs;
  return { now: () => nowMs, advance: (deltaMs: number) => void (nowMs += deltaMs) };
}

async function withFixture(open: OpenKeyStoreFixture, body: (database: Database) => Promise<void>) {
  const fixture = await open();
  try {
    await body(fixture.database);
  } finally {
    await fixture.dispose();
  }
}

export function defineKeyStoreSuite(open: OpenKeyStoreFixture): void {
  test('create returns a well-formed secret once and a record that list shows', () =>
    withFixture(open, async (database) => {
      const store = new SqlKeyStore(database, () => 1_700_000_000_123);
      const created = await store.create({ name: 'alice' });
      assert.match(created.key, /^sk-pg-[0-9A-Za-z]{32}$/);
      assert.match(created.record.id, /^key_[0-9a-f]{24}$/);
      assert.deepEqual(created.record, {
        id: created.record.id,
        name: 'alice',
        prefix: created.key.slice(0, 10),
        createdAtMs: 1_700_000_000_123,
        lastUsedAtMs: null,
        revokedAtMs: null,
      });
      assert.deepEqual(await store.list(), [created.record]);
      assert.equal(Object.values(created.record).includes(created.key), false);
    }));

  test('list is newest first and includes revoked keys', () =>
    withFixture(open, async (database) => {
      const clock = manualClock(1_000);
      const store = new SqlKeyStore(database, clock.now);
      const first = await store.create({ name: 'first' });
      clock.advance(5);
      const second = await store.create({ name: 'second' });
      clock.advance(5);
      assert.equal(await store.revoke(first.record.id), true);
      const listed = await store.list();
      assert.deepEqual(listed.map((record) => record.name), ['second', 'first']);
      assert.equal(listed[1].revokedAtMs, 1_010);
      assert.equal(listed[0].revokedAtMs, null);
      assert.notEqual(first.key, second.key);
    }));

  test('authenticate finds the key and records the use, throttled per key', () =>
    withFixture(open, async (database) => {
      const clock = manualClock(50_000);
      const store = new SqlKeyStore(database, clock.now);
      const { key, record } = await store.create({ name: 'bob' });
      clock.advance(1);
      const authenticated = await store.authenticate(key);
      assert.deepEqual(authenticated, { ...record, lastUsedAtMs: 50_001 });

      clock.advance(lastUsedWriteIntervalMs - 1);
      assert.equal((await store.authenticate(key))?.lastUsedAtMs, 50_001);
      assert.equal((await store.list())[0].lastUsedAtMs, 50_001);

      clock.advance(1);
      assert.equal((await store.authenticate(key))?.lastUsedAtMs, 50_001 + lastUsedWriteIntervalMs);
      assert.equal((await store.list())[0].lastUsedAtMs, 50_001 + lastUsedWriteIntervalMs);
    }));

  test('a revoked key fails on the very next call; revoking twice or an unknown id is false', () =>
    withFixture(open, async (database) => {
      const store = new SqlKeyStore(database);
      const { key, record } = await store.create({ name: 'carol' });
      assert.notEqual(await store.authenticate(key), null);
      assert.equal(await store.revoke(record.id), true);
      assert.equal(await store.authenticate(key), null);
      assert.equal(await store.revoke(record.id), false);
      assert.equal(await store.revoke('key_000000000000000000000000'), false);
    }));

  test('only the SHA-256 digest of the secret is stored', () =>
    withFixture(open, async (database) => {
      const store = new SqlKeyStore(database);
      const { key, record } = await store.create({ name: 'dave' });
      const rows = await database.db.selectFrom('api_keys').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0].secret_hash, crypto.createHash('sha256').update(key).digest('hex'));
      assert.equal(rows[0].secret_hash, hashApiKey(key));
      assert.equal(rows[0].prefix, key.slice(0, 10));
      assert.equal(rows[0].id, record.id);
      for (const value of Object.values(rows[0])) {
        assert.equal(String(value).includes(key.slice(6)), false, 'no column holds the secret');
      }
    }));

  test('malformed secrets are refused without touching the database', () =>
    withFixture(open, async (database) => {
      const store = new SqlKeyStore(database);
      const { key } = await store.create({ name: 'erin' });
      const wellFormedButUnknown = `sk-pg-${'A'.repeat(32)}`;
      assert.equal(await store.authenticate(wellFormedButUnknown), null);
      const lastCharacterChanged = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
      assert.equal(await store.authenticate(lastCharacterChanged), null);

      await database.close();
      const malformed = ['', 'sk-pg-', key.slice(0, -1), `${key}A`, `${key.slice(0, -1)}-`, `sk-xx-${key.slice(6)}`,
        `${key.slice(0, -1)}é`, ` ${key.slice(1)}`, 'Bearer ' + key];
      for (const secret of malformed) {
        assert.equal(await store.authenticate(secret), null, JSON.stringify(secret));
      }
      await assert.rejects(store.authenticate(key), 'a well-formed key does reach the (closed) database');
    }));

  test('count includes revoked keys', () =>
    withFixture(open, async (database) => {
      const store = new SqlKeyStore(database);
      assert.equal(await store.count(), 0);
      const { record } = await store.create({ name: 'one' });
      await store.create({ name: 'two' });
      await store.revoke(record.id);
      assert.equal(await store.count(), 2);
    }));

  test('secrets are uniform base62 drawn from the injected random source', () =>
    withFixture(open, async (database) => {
      // 248..255 must be rejected; 0, 61, 62 and 247 map to "0", "z", "0" and "z".
      const pattern = [255, 248, 0, 61, 62, 247];
      const randomBytes = (size: number) => Buffer.from(Array.from({ length: size }, (_, index) => pattern[index % pattern.length]));
      const store = new SqlKeyStore(database, Date.now, randomBytes);
      const { key, record } = await store.create({ name: 'fixed' });
      assert.equal(key, `sk-pg-${'0z0z'.repeat(8)}`);
      assert.equal(record.id, `key_${'fff8003d3ef7'.repeat(2)}`);
    }));
}

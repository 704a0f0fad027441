import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { DiskBlobStore, staleTemporaryFileAgeMs } from './disk-blob-store.ts';

async function storeInTemporaryDirectory(t: { after(fn: () => Promise<void>): void }) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pixelgate-blobs-'));
  t.after(() => fs.rm(dataDir, { recursive: true, force: true }));
  const root = path.join(dataDir, 'results');
  return { root, store: new DiskBlobStore(root) };
}

const pngBytes = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

test('put then get returns the same bytes, type, length and expiry', async (t) => {
  const { root, store } = await storeInTemporaryDirectory(t);
  await store.put('img_roundtrip', pngBytes, { contentType: 'image/png', expiresAtMs: 2_000 });
  const blob = await store.get('img_roundtrip', 1_000);
  assert.ok(blob);
  assert.equal(blob.contentType, 'image/png');
  assert.equal(blob.byteLength, pngBytes.length);
  assert.equal(blob.expiresAtMs, 2_000);
  assert.deepEqual(await buffer(blob.body), pngBytes);
  assert.deepEqual(await fs.readdir(root), ['img_roundtrip.blob']);
});

test('an empty blob round-trips', async (t) => {
  const { store } = await storeInTemporaryDirectory(t);
  await store.put('img_empty_1', Buffer.alloc(0), { contentType: 'image/webp', expiresAtMs: 2_000 });
  const blob = await store.get('img_empty_1', 1_000);
  assert.equal(blob?.byteLength, 0);
  assert.deepEqual(await buffer(blob!.body), Buffer.alloc(0));
});

test('a missing key is null', async (t) => {
  const { store } = await storeInTemporaryDirectory(t);
  assert.equal(await store.get('img_missing', 0), null);
});

test('put replaces an existing blob', async (t) => {
  const { store } = await storeInTemporaryDirectory(t);
  await store.put('img_replaced', Buffer.from('old'), { contentType: 'image/png', expiresAtMs: 2_000 });
  await store.put('img_replaced', Buffer.from('newer'), { contentType: 'image/jpeg', expiresAtMs: 3_000 });
  const blob = await store.get('img_replaced', 2_500);
  assert.equal(blob?.contentType, 'image/jpeg');
  assert.equal((await buffer(blob!.body)).toString(), 'newer');
});

test('a blob is served up to its expiry millisecond, then it is null and its file is removed', async (t) => {
  const { root, store } = await storeInTemporaryDirectory(t);
  await store.put('img_expiring', pngBytes, { contentType: 'image/png', expiresAtMs: 2_000 });
  const atExpiry = await store.get('img_expiring', 2_000);
  assert.ok(atExpiry);
  atExpiry.body.destroy();
  assert.equal(await store.get('img_expiring', 2_001), null);
  assert.deepEqual(await fs.readdir(root), []);
});

test('delete removes a blob and ignores a missing one', async (t) => {
  const { store } = await storeInTemporaryDirectory(t);
  await store.put('img_deleted', pngBytes, { contentType: 'image/png', expiresAtMs: 2_000 });
  await store.delete('img_deleted');
  await store.delete('img_deleted');
  assert.equal(await store.get('img_deleted', 0), null);
});

test('sweepExpired removes expired blobs and stale temporary files, and counts the blobs', async (t) => {
  const { root, store } = await storeInTemporaryDirectory(t);
  assert.equal(await new DiskBlobStore(path.join(root, 'never-created')).sweepExpired(0), 0);
  // Temporary files are judged by their modification time, so this test uses the real clock.
  const now = Date.now();
  await store.put('img_old_one', pngBytes, { contentType: 'image/png', expiresAtMs: now - 2_000 });
  await store.put('img_old_two', pngBytes, { contentType: 'image/png', expiresAtMs: now - 1 });
  await store.put('img_fresh_1', pngBytes, { contentType: 'image/png', expiresAtMs: now + 60_000 });
  await fs.writeFile(path.join(root, 'img_crashed.tmp-0011223344556677'), 'partial');
  await fs.writeFile(path.join(root, 'img_writing.tmp-8899aabbccddeeff'), 'partial');
  const staleTime = new Date(now - staleTemporaryFileAgeMs - 1_000);
  await fs.utimes(path.join(root, 'img_crashed.tmp-0011223344556677'), staleTime, staleTime);

  assert.equal(await store.sweepExpired(now), 2);
  assert.deepEqual((await fs.readdir(root)).sort(), ['img_fresh_1.blob', 'img_writing.tmp-8899aabbccddeeff']);
  assert.equal(await store.sweepExpired(now), 0);
  const fresh = await store.get('img_fresh_1', now);
  assert.ok(fresh);
  fresh.body.destroy();
});

test('keys that are malformed or could escape the root are refused by every method', async (t) => {
  const { store } = await storeInTemporaryDirectory(t);
  const badKeys = ['../x', '../../../etc/passwd', 'a/b', 'abcdefgh/ijkl', '/etc/passwd', '..', 'short', 'img_dot.blob',
    'img_tmp.tmp-1234', 'img_space here', 'img_nul\0byte', 'x'.repeat(129), ''];
  for (const key of badKeys) {
    await assert.rejects(store.put(key, pngBytes, { contentType: 'image/png', expiresAtMs: 2_000 }), /Invalid blob key/, key);
    await assert.rejects(store.get(key, 0), /Invalid blob key/, key);
    await assert.rejects(store.delete(key), /Invalid blob key/, key);
  }
});

test('temporary files are never served, and a write in progress is invisible until complete', async (t) => {
  const { root, store } = await storeInTemporaryDirectory(t);
  await fs.mkdir(root, { recursive: true });
  await fs.writeFile(path.join(root, 'img_partial.tmp-0011223344556677'), 'half a file');
  assert.equal(await store.get('img_partial', 0), null);

  const big = Buffer.alloc(32 * 1024 * 1024, 0xab);
  let finished = false;
  const writing = store.put('img_bigfile', big, { contentType: 'image/png', expiresAtMs: 2_000 }).then(() => {
    finished = true;
  });
  let observations = 0;
  while (!finished) {
    const blob = await store.get('img_bigfile', 0);
    if (blob !== null) {
      assert.equal(blob.byteLength, big.length);
      blob.body.destroy();
    }
    observations += 1;
  }
  await writing;
  assert.ok(observations > 0);
  const blob = await store.get('img_bigfile', 0);
  assert.ok((await buffer(blob!.body)).equals(big));
  assert.deepEqual((await fs.readdir(root)).sort(), ['img_bigfile.blob', 'img_partial.tmp-0011223344556677']);
});

test('a file that is not a Pixelgate blob is reported, not served', async (t) => {
  const { root, store } = await storeInTemporaryDirectory(t);
  await fs.mkdir(root, { recursive: true });
  await fs.writeFile(path.join(root, 'img_foreign.blob'), 'GIF89a');
  await assert.rejects(store.get('img_foreign', 0), /not a Pixelgate blob/);
  assert.equal(await store.sweepExpired(Date.now()), 0, 'the sweep skips it instead of failing');
  assert.deepEqual(await fs.readdir(root), ['img_foreign.blob']);
});

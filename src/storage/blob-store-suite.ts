/**
 * The one suite every `BlobStore` passes (disk, S3): bytes, type, length and expiry round-trip;
 * an expired blob is never served and goes; delete is idempotent; the sweep counts what it
 * removed and keeps what is fresh.
 */
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { describe, test } from 'node:test';
import type { BlobStore } from './blob-store.ts';

const pngBytes = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

export function describeBlobStore(subject: string, open: () => Promise<{ store: BlobStore; dispose(): Promise<void> }>): void {
  describe(subject, () => {
    const withStore = async (body: (store: BlobStore) => Promise<void>) => {
      const { store, dispose } = await open();
      try {
        await body(store);
      } finally {
        await dispose();
      }
    };

    test('put then get returns the same bytes, type, length and expiry; an empty blob too', () =>
      withStore(async (store) => {
        await store.put('img_roundtrip', pngBytes, { contentType: 'image/png', expiresAtMs: 2_000 });
        const blob = await store.get('img_roundtrip', 1_000);
        assert.deepEqual([blob?.contentType, blob?.byteLength, blob?.expiresAtMs], ['image/png', pngBytes.length, 2_000]);
        assert.deepEqual(await buffer(blob!.body), pngBytes);
        await store.put('img_empty_1', Buffer.alloc(0), { contentType: 'image/webp', expiresAtMs: 2_000 });
        const empty = await store.get('img_empty_1', 1_000);
        assert.equal(empty?.byteLength, 0);
        assert.deepEqual(await buffer(empty!.body), Buffer.alloc(0));
      }));

    test('a missing key is null; put replaces; delete is idempotent', () =>
      withStore(async (store) => {
        assert.equal(await store.get('img_missing', 0), null);
        await store.put('img_replaced', Buffer.from('old'), { contentType: 'image/png', expiresAtMs: 2_000 });
        await store.put('img_replaced', Buffer.from('newer'), { contentType: 'image/jpeg', expiresAtMs: 3_000 });
        const replaced = await store.get('img_replaced', 2_500);
        assert.equal(replaced?.contentType, 'image/jpeg');
        assert.equal((await buffer(replaced!.body)).toString(), 'newer');
        await store.delete('img_replaced');
        await store.delete('img_replaced');
        assert.equal(await store.get('img_replaced', 0), null);
      }));

    test('served up to its expiry millisecond, then null (and gone); the sweep removes the expired only', () =>
      withStore(async (store) => {
        await store.put('img_expiring', pngBytes, { contentType: 'image/png', expiresAtMs: 2_000 });
        const atExpiry = await store.get('img_expiring', 2_000);
        assert.ok(atExpiry);
        atExpiry.body.destroy();
        assert.equal(await store.get('img_expiring', 2_001), null);
        assert.equal(await store.get('img_expiring', 0), null, 'removed when found expired');
        await store.put('img_old_one', pngBytes, { contentType: 'image/png', expiresAtMs: 1_000 });
        await store.put('img_old_two', pngBytes, { contentType: 'image/png', expiresAtMs: 1_999 });
        await store.put('img_fresh_1', pngBytes, { contentType: 'image/png', expiresAtMs: 9_000 });
        assert.equal(await store.sweepExpired(2_000), 2);
        assert.ok(await store.get('img_fresh_1', 2_000));
        assert.equal(await store.sweepExpired(2_000), 0);
      }));

    test('a key that could escape its root is refused', () =>
      withStore(async (store) => {
        await assert.rejects(store.put('../escape', pngBytes, { contentType: 'image/png', expiresAtMs: 2_000 }));
      }));
  });
}

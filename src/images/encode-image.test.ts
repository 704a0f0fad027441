import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { encodeImage } from './encode-image.ts';
import { readImageFacts } from './read-image-facts.ts';

const width = 16;
const height = 8;
const data = Buffer.alloc(width * height * 4);
for (let pixel = 0; pixel < width * height; pixel += 1) {
  data.set([pixel * 2, 255 - pixel, (pixel * 5) % 256, pixel % 2 === 0 ? 255 : 0], pixel * 4);
}
const rgba = { data, width, height };

test('png is lossless RGBA', async () => {
  const png = await encodeImage(rgba, 'png', 100);
  assert.deepEqual(readImageFacts(png), { format: 'png', width, height, hasAlpha: true, colorMode: 'RGBA' });
  const decoded = await sharp(png).raw().toBuffer();
  assert.ok(decoded.equals(data));
});

test('jpeg flattens transparency over white', async () => {
  const transparent = { data: Buffer.alloc(width * height * 4), width, height };
  const jpeg = await encodeImage(transparent, 'jpeg', 90);
  assert.equal(readImageFacts(jpeg).format, 'jpeg');
  const decoded = await sharp(jpeg).raw().toBuffer();
  assert.ok(decoded.every((value) => value >= 250));
});

test('webp keeps alpha; quality follows compression', async () => {
  const high = await encodeImage(rgba, 'webp', 100);
  const low = await encodeImage(rgba, 'webp', 0);
  assert.equal(readImageFacts(high).hasAlpha, true);
  assert.ok(low.length < high.length);
});

test('compression outside 0-100 is refused, not clamped', async () => {
  await assert.rejects(encodeImage(rgba, 'jpeg', 101), RangeError);
  await assert.rejects(encodeImage(rgba, 'jpeg', -1), RangeError);
});

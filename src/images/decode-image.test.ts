import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeToRgba, ImageDecodeError } from './decode-image.ts';

let directory = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'pixelgate-decode-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

const rgbPixels = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);

test('decodes RGB PNG to opaque RGBA, bit-exact', async () => {
  const path = join(directory, 'rgb.png');
  await sharp(rgbPixels, { raw: { width: 2, height: 2, channels: 3 } }).png().toFile(path);
  const image = await decodeToRgba(path, 1_000);
  assert.equal(image.width, 2);
  assert.equal(image.height, 2);
  assert.deepEqual([...image.data], [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 255]);
});

test('decodes greyscale and grey+alpha to four channels', async () => {
  const path = join(directory, 'grey-alpha.png');
  await sharp(Buffer.from([50, 0, 200, 255]), { raw: { width: 2, height: 1, channels: 2 } })
    .png()
    .toFile(path);
  const image = await decodeToRgba(path, 1_000);
  assert.deepEqual([...image.data], [50, 50, 50, 0, 200, 200, 200, 255]);
});

test('decodes CMYK JPEG to RGBA', async () => {
  const path = join(directory, 'cmyk.jpg');
  await sharp(rgbPixels, { raw: { width: 2, height: 2, channels: 3 } }).toColourspace('cmyk').jpeg().toFile(path);
  const image = await decodeToRgba(path, 1_000);
  assert.equal(image.data.length, 16);
});

test('refuses images above maxInputPixels before decoding', async () => {
  const path = join(directory, 'big.png');
  await sharp({ create: { width: 100, height: 100, channels: 3, background: '#000' } }).png().toFile(path);
  await assert.rejects(decodeToRgba(path, 9_999), ImageDecodeError);
  assert.equal((await decodeToRgba(path, 10_000)).width, 100);
});

test('refuses truncated and corrupt data with ImageDecodeError', async () => {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const truncated = join(directory, 'truncated.png');
  await writeFile(truncated, png.subarray(0, png.length / 2));
  await assert.rejects(decodeToRgba(truncated, 1e6), ImageDecodeError);
  const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  const truncatedJpeg = join(directory, 'truncated.jpg');
  await writeFile(truncatedJpeg, jpeg.subarray(0, jpeg.length - 100));
  await assert.rejects(decodeToRgba(truncatedJpeg, 1e6), ImageDecodeError);
  const garbage = join(directory, 'garbage.png');
  await writeFile(garbage, Buffer.concat([png.subarray(0, 33), Buffer.alloc(500, 7)]));
  await assert.rejects(decodeToRgba(garbage, 1e6), ImageDecodeError);
  await assert.rejects(decodeToRgba(join(directory, 'missing.png'), 1e6), ImageDecodeError);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { readImageFacts, UNKNOWN_IMAGE_FACTS } from './read-image-facts.ts';
import { IMAGE_HEADER_BYTES } from './image-facts.ts';

const WIDTH = 37;
const HEIGHT = 23;

function gradient(channels: 3 | 4): ReturnType<typeof sharp> {
  const pixels = Buffer.alloc(WIDTH * HEIGHT * channels);
  for (let index = 0; index < WIDTH * HEIGHT; index += 1) {
    pixels[index * channels] = (index * 7) % 256;
    pixels[index * channels + 1] = (index * 13) % 256;
    pixels[index * channels + 2] = (index * 29) % 256;
    if (channels === 4) pixels[index * channels + 3] = index % 3 === 0 ? 0 : 255;
  }
  return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels } });
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, checksum]);
}

/** Inserts a chunk right after IHDR (signature 8 bytes + IHDR chunk 25 bytes). */
function withChunkAfterHeader(png: Buffer, chunk: Buffer): Buffer {
  return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
}

const pngCases: [string, () => Promise<Buffer>, { colorMode: string; hasAlpha: boolean }][] = [
  ['grey (type 0)', () => gradient(3).toColourspace('b-w').png().toBuffer(), { colorMode: 'L', hasAlpha: false }],
  ['RGB (type 2)', () => gradient(3).png().toBuffer(), { colorMode: 'RGB', hasAlpha: false }],
  ['palette (type 3)', () => gradient(3).png({ palette: true }).toBuffer(), { colorMode: 'P', hasAlpha: false }],
  ['palette with tRNS', () => gradient(4).png({ palette: true }).toBuffer(), { colorMode: 'P', hasAlpha: true }],
  ['grey + alpha (type 4)', () => gradient(4).toColourspace('b-w').png().toBuffer(), { colorMode: 'LA', hasAlpha: true }],
  ['RGBA (type 6)', () => gradient(4).png().toBuffer(), { colorMode: 'RGBA', hasAlpha: true }],
  [
    'RGB with tRNS',
    async () => withChunkAfterHeader(await gradient(3).png().toBuffer(), pngChunk('tRNS', Buffer.alloc(6))),
    { colorMode: 'RGB', hasAlpha: true },
  ],
];

for (const [name, make, expected] of pngCases) {
  test(`PNG ${name}`, async () => {
    const png = await make();
    assert.equal(png[25], { L: 0, RGB: 2, P: 3, LA: 4, RGBA: 6 }[expected.colorMode], 'sharp wrote the colour type under test');
    assert.deepEqual(readImageFacts(png), { format: 'png', width: WIDTH, height: HEIGHT, ...expected });
  });
}

test('PNG: a tRNS chunk after IDAT does not count', async () => {
  const png = await gradient(3).png().toBuffer();
  const iend = png.length - 12;
  const late = Buffer.concat([png.subarray(0, iend), pngChunk('tRNS', Buffer.alloc(6)), png.subarray(iend)]);
  assert.equal(readImageFacts(late).hasAlpha, false);
});

test('PNG declaring 100000x100000 (a decompression bomb) reports its size without decoding', () => {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100_000, 0);
  ihdr.writeUInt32BE(100_000, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const bomb = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.alloc(64)),
  ]);
  assert.deepEqual(readImageFacts(bomb), { format: 'png', width: 100_000, height: 100_000, hasAlpha: true, colorMode: 'RGBA' });
});

test('JPEG grey, RGB and CMYK', async () => {
  const grey = await gradient(3).toColourspace('b-w').jpeg().toBuffer();
  const rgb = await gradient(3).jpeg().toBuffer();
  const cmyk = await gradient(3).toColourspace('cmyk').jpeg().toBuffer();
  assert.equal((await sharp(cmyk).metadata()).space, 'cmyk', 'sharp wrote a CMYK JPEG');
  const base = { format: 'jpeg', width: WIDTH, height: HEIGHT, hasAlpha: false };
  assert.deepEqual(readImageFacts(grey), { ...base, colorMode: 'L' });
  assert.deepEqual(readImageFacts(rgb), { ...base, colorMode: 'RGB' });
  assert.deepEqual(readImageFacts(cmyk), { ...base, colorMode: 'CMYK' });
});

test('JPEG progressive (SOF2) after EXIF and ICC segments', async () => {
  const jpeg = await gradient(3).withMetadata().jpeg({ progressive: true }).toBuffer();
  assert.deepEqual(readImageFacts(jpeg), { format: 'jpeg', width: WIDTH, height: HEIGHT, hasAlpha: false, colorMode: 'RGB' });
});

test('WebP lossy (VP8), lossless (VP8L) and with alpha', async () => {
  const lossy = await gradient(3).webp().toBuffer();
  const lossless = await gradient(3).webp({ lossless: true }).toBuffer();
  const losslessAlpha = await gradient(4).webp({ lossless: true }).toBuffer();
  const lossyAlpha = await gradient(4).webp().toBuffer();
  assert.equal(lossy.toString('latin1', 12, 16), 'VP8 ');
  assert.equal(lossless.toString('latin1', 12, 16), 'VP8L');
  assert.equal(lossyAlpha.toString('latin1', 12, 16), 'VP8X');
  const base = { format: 'webp', width: WIDTH, height: HEIGHT };
  assert.deepEqual(readImageFacts(lossy), { ...base, hasAlpha: false, colorMode: 'RGB' });
  assert.deepEqual(readImageFacts(lossless), { ...base, hasAlpha: false, colorMode: 'RGB' });
  assert.deepEqual(readImageFacts(losslessAlpha), { ...base, hasAlpha: true, colorMode: 'RGBA' });
  assert.deepEqual(readImageFacts(lossyAlpha), { ...base, hasAlpha: true, colorMode: 'RGBA' });
});

test('WebP VP8X canvas sizes use 24 bits', () => {
  const header = Buffer.alloc(30);
  header.write('RIFF', 0, 'latin1');
  header.write('WEBPVP8X', 8, 'latin1');
  header.writeUInt32LE(10, 16);
  header.writeUIntLE(70_000 - 1, 24, 3);
  header.writeUIntLE(3 - 1, 27, 3);
  assert.deepEqual(readImageFacts(header), { format: 'webp', width: 70_000, height: 3, hasAlpha: false, colorMode: 'RGB' });
});

test('GIF reports its logical screen size', async () => {
  const gif = await gradient(3).gif().toBuffer();
  const facts = readImageFacts(gif);
  assert.equal(facts.format, 'gif');
  assert.equal(facts.width, WIDTH);
  assert.equal(facts.height, HEIGHT);
  assert.equal(facts.colorMode, 'P');
});

test('truncated headers of every format are unknown, never a throw', async () => {
  const files = [
    await gradient(4).png().toBuffer(),
    await gradient(3).jpeg().toBuffer(),
    await gradient(3).webp().toBuffer(),
    await gradient(3).webp({ lossless: true }).toBuffer(),
    await gradient(4).webp().toBuffer(),
    await gradient(3).gif().toBuffer(),
  ];
  for (const file of files) {
    for (const length of [0, 1, 2, 3, 5, 8, 12, 16, 20, 24, 26, 28, 30]) {
      const facts = readImageFacts(file.subarray(0, length));
      assert.ok(facts.format === 'unknown' || facts.width > 0, `length ${length}`);
      if (facts.format === 'unknown') assert.deepEqual(facts, UNKNOWN_IMAGE_FACTS);
    }
  }
  assert.deepEqual(readImageFacts(files[1].subarray(0, 12)), UNKNOWN_IMAGE_FACTS);
});

test('random garbage is unknown', () => {
  let state = 12345;
  for (let round = 0; round < 200; round += 1) {
    const garbage = Buffer.alloc(1 + (round * 37) % 600);
    for (let index = 0; index < garbage.length; index += 1) {
      state = (state * 1103515245 + 12345) >>> 0;
      garbage[index] = state >>> 24;
    }
    assert.deepEqual(readImageFacts(garbage), UNKNOWN_IMAGE_FACTS);
  }
  assert.deepEqual(readImageFacts(Buffer.from('not an image at all')), UNKNOWN_IMAGE_FACTS);
});

test('reads facts from the first IMAGE_HEADER_BYTES of a large file', async () => {
  const big = await sharp({ create: { width: 900, height: 700, channels: 3, background: '#123456' } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  assert.ok(big.length > IMAGE_HEADER_BYTES);
  assert.deepEqual(readImageFacts(big.subarray(0, IMAGE_HEADER_BYTES)), {
    format: 'png', width: 900, height: 700, hasAlpha: false, colorMode: 'RGB',
  });
});

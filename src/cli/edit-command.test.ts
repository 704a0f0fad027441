import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { runPixelgateCli } from './pixelgate-cli.ts';

let directory = '';
const width = 48;
const height = 40;

/** Diagonal stripes with a little grain; the hole (x 16–32, y 12–28) transparent in `image` or in the mask. */
function stripes(transparentHole: boolean): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const inHole = x >= 16 && x < 32 && y >= 12 && y < 28;
      const grain = ((x * 7919 + y * 104729) % 23) - 11;
      data.set(Math.floor((x + y) / 4) % 2 === 0 ? [200 + grain, 60, 30, 255] : [20, 90 + grain, 180, 255], (y * width + x) * 4);
      if (transparentHole && inHole) data[(y * width + x) * 4 + 3] = 0;
    }
  }
  return data;
}

async function writePng(path: string, data: Buffer): Promise<void> {
  await sharp(data, { raw: { width, height, channels: 4 } }).png().toFile(path);
}

function recordingContext() {
  const written = { output: '', errorOutput: '' };
  const context = {
    output: (text: string) => void (written.output += text),
    errorOutput: (text: string) => void (written.errorOutput += text),
    openKeyStore: async () => assert.fail('edit needs no key store'),
  };
  return { context, written };
}

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'pixelgate-edit-command-'));
  await writePng(join(directory, 'alpha.png'), stripes(true));
  const mask = Buffer.alloc(width * height * 4, 255);
  for (let y = 12; y < 28; y += 1) for (let x = 16; x < 32; x += 1) mask[(y * width + x) * 4 + 3] = 0;
  await writePng(join(directory, 'opaque.png'), stripes(false));
  await writePng(join(directory, 'opaque.mask.png'), mask);
});
after(async () => rm(directory, { recursive: true, force: true }));

test('edit a folder: n results per image, masks beside images, known pixels kept, progress shown', async () => {
  const out = join(directory, 'out');
  const { context, written } = recordingContext();
  assert.equal(await runPixelgateCli(['edit', directory, '-n', '2', '--seed', '7', '--out', out], context), 0);
  const names = ['alpha-1.png', 'alpha-2.png', 'opaque-1.png', 'opaque-2.png'];
  assert.deepEqual((await readdir(out)).sort(), names);
  assert.equal(written.output, names.map((name) => `${join(out, name)}\n`).join(''));
  assert.match(written.errorOutput, /^Editing 2 image\(s\), 2 result\(s\) each, seed 7\.\n/);
  assert.match(written.errorOutput, /edit \[=+\] 4\/4 results/);
  const decoded = await Promise.all(names.map(async (name) => sharp(await readFile(join(out, name))).ensureAlpha().raw().toBuffer()));
  const original = stripes(false);
  for (const output of decoded) {
    for (let pixel = 0; pixel < width * height; pixel += 1) {
      const x = pixel % width;
      const y = Math.floor(pixel / width);
      const inHole = x >= 16 && x < 32 && y >= 12 && y < 28;
      if (inHole) assert.equal(output[pixel * 4 + 3], 255);
      else assert.ok(output.subarray(pixel * 4, pixel * 4 + 4).equals(original.subarray(pixel * 4, pixel * 4 + 4)), `pixel ${pixel}`);
    }
  }
  assert.ok(!decoded[0].equals(decoded[1]), 'seeds 7 and 8 differ');
  // The same image and seed give the same fill whether the hole comes from alpha or from a mask.
  assert.ok(decoded[0].equals(decoded[2]) && decoded[1].equals(decoded[3]));
});

test('the same seed writes the same bytes; --mask is for one image only; bad options exit 1', async () => {
  const first = recordingContext();
  assert.equal(await runPixelgateCli(['edit', join(directory, 'opaque.png'), '--mask', join(directory, 'opaque.mask.png'), '--seed', '3', '--out', join(directory, 'a')], first.context), 0);
  const second = recordingContext();
  assert.equal(await runPixelgateCli(['edit', join(directory, 'opaque.png'), '--mask', join(directory, 'opaque.mask.png'), '--seed', '3', '--out', join(directory, 'b')], second.context), 0);
  assert.ok((await readFile(join(directory, 'a', 'opaque-1.png'))).equals(await readFile(join(directory, 'b', 'opaque-1.png'))));

  const folderWithMask = recordingContext();
  assert.equal(await runPixelgateCli(['edit', directory, '--mask', join(directory, 'opaque.mask.png')], folderWithMask.context), 1);
  assert.equal(folderWithMask.written.errorOutput, 'error: --mask applies to a single image; for folders put <name>.mask.png beside each image\n');
  const tooMany = recordingContext();
  assert.equal(await runPixelgateCli(['edit', directory, '-n', '11'], tooMany.context), 1);
  assert.equal(tooMany.written.errorOutput, 'error: -n must be an integer from 1 to 10, got 11\n');
  const missing = recordingContext();
  assert.equal(await runPixelgateCli(['edit', join(directory, 'nope.png')], missing.context), 1);
  assert.equal(missing.written.errorOutput, `error: no such file or folder: ${join(directory, 'nope.png')}\n`);
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { EngineError, type EditJob, type EngineInputImage } from '../engine.ts';
import { readImageFacts } from '../../images/read-image-facts.ts';
import { fillPixels, LocalFillEngine } from './local-fill-engine.ts';
import { editJobWithDefaults } from '../edit-job-defaults.ts';

let directory = '';
let engine: LocalFillEngine;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'pixelgate-local-engine-'));
  engine = new LocalFillEngine({ threads: 2, maxInputPixels: 4_000_000 });
});
after(async () => {
  await engine.close();
  await rm(directory, { recursive: true, force: true });
});

/** Vertical stripes with a little deterministic grain; pixels inside `hole` are fully transparent. */
function stripedRgba(width: number, height: number, hole: { left: number; top: number; right: number; bottom: number } | null): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const inHole = hole !== null && x >= hole.left && x < hole.right && y >= hole.top && y < hole.bottom;
      const grain = ((x * 7919 + y * 104729) % 23) - 11;
      const alpha = inHole ? 0 : 255;
      data.set(Math.floor(x / 4) % 2 === 0 ? [220 + grain, 40, 40, alpha] : [30, 30 + grain, 200, alpha], (y * width + x) * 4);
    }
  }
  return data;
}

async function writePng(name: string, data: Buffer, width: number, height: number): Promise<EngineInputImage> {
  const path = join(directory, name);
  await sharp(data, { raw: { width, height, channels: 4 } }).png().toFile(path);
  const bytes = await readFile(path);
  return { path, facts: readImageFacts(bytes), byteLength: bytes.length, filename: name };
}

function editJob(image: EngineInputImage, overrides: Partial<EditJob> = {}): EditJob {
  return editJobWithDefaults({ requestId: 'test', model: 'local', prompt: 'ignored', images: [image], ...overrides });
}

async function decode(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes).ensureAlpha().raw().toBuffer();
}

const hole = { left: 12, top: 10, right: 28, bottom: 26 };

test('fills the transparent hole from the image; other pixels bit-exact; n outputs differ', async () => {
  const input = stripedRgba(40, 36, hole);
  const image = await writePng('striped.png', input, 40, 36);
  const result = await engine.edit(editJob(image, { n: 3, seed: 100 }));
  assert.equal(result.images.length, 3);
  assert.equal(result.usage, null);
  const outputs = await Promise.all(result.images.map((output) => decode(output.bytes)));
  for (const [index, output] of outputs.entries()) {
    assert.deepEqual({ ...result.images[index], bytes: null }, { bytes: null, format: 'png', width: 40, height: 36 });
    let filledRed = 0;
    for (let pixel = 0; pixel < 40 * 36; pixel += 1) {
      if (input[pixel * 4 + 3] === 0) {
        assert.equal(output[pixel * 4 + 3], 255);
        filledRed += output[pixel * 4] > 128 ? 1 : 0;
      } else {
        assert.ok(output.subarray(pixel * 4, pixel * 4 + 4).equals(input.subarray(pixel * 4, pixel * 4 + 4)), `pixel ${pixel} kept`);
      }
    }
    assert.ok(filledRed > 16 * 16 * 0.25 && filledRed < 16 * 16 * 0.75, `red pixels in the fill: ${filledRed}`);
  }
  assert.ok(!outputs[0].equals(outputs[1]) && !outputs[1].equals(outputs[2]), 'outputs differ');
  const again = await engine.edit(editJob(image, { n: 1, seed: 101 }));
  assert.ok(again.images[0].bytes.equals(result.images[1].bytes), 'seed + i reproduces output i');
});

test('a separate mask marks the hole; the image itself may be opaque', async () => {
  const image = await writePng('opaque.png', stripedRgba(40, 36, null), 40, 36);
  const maskPixels = Buffer.alloc(40 * 36 * 4, 255);
  for (let y = hole.top; y < hole.bottom; y += 1) for (let x = hole.left; x < hole.right; x += 1) maskPixels[(y * 40 + x) * 4 + 3] = 0;
  const mask = await writePng('mask.png', maskPixels, 40, 36);
  const masked = await engine.edit(editJob(image, { mask }));
  const unmasked = await engine.edit(editJob(image));
  assert.ok(!masked.images[0].bytes.equals(unmasked.images[0].bytes));
  assert.ok((await decode(unmasked.images[0].bytes)).equals(stripedRgba(40, 36, null)), 'no hole: unchanged');
});

test('output size honours job.size and output format', async () => {
  const image = await writePng('resize.png', stripedRgba(40, 36, hole), 40, 36);
  const result = await engine.edit(editJob(image, { size: { width: 64, height: 48 }, outputFormat: 'webp', outputCompression: 80 }));
  assert.deepEqual(readImageFacts(result.images[0].bytes).format, 'webp');
  const metadata = await sharp(result.images[0].bytes).metadata();
  assert.deepEqual([metadata.width, metadata.height, result.images[0].width, result.images[0].height], [64, 48, 64, 48]);
  const jpeg = await engine.edit(editJob(image, { outputFormat: 'jpeg', outputCompression: 90 }));
  assert.equal(readImageFacts(jpeg.images[0].bytes).format, 'jpeg');
});

test('outpainting: a transparent border comes back fully opaque', async () => {
  const data = stripedRgba(48, 40, null);
  for (let y = 0; y < 40; y += 1) for (let x = 0; x < 48; x += 1) if (x < 8 || x >= 40 || y < 6 || y >= 34) data[(y * 48 + x) * 4 + 3] = 0;
  const image = await writePng('border.png', data, 48, 40);
  const output = await decode((await engine.edit(editJob(image))).images[0].bytes);
  for (let pixel = 0; pixel < 48 * 40; pixel += 1) assert.equal(output[pixel * 4 + 3], 255);
});

test('an aborted signal rejects with cancelled, before and during the fill', async () => {
  const image = await writePng('cancel.png', stripedRgba(40, 36, hole), 40, 36);
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(engine.edit(editJob(image, { signal: aborted.signal })), (error: unknown) => error instanceof EngineError && error.kind === 'cancelled' && !error.retryable);
  const large = await writePng('cancel-large.png', stripedRgba(400, 400, { left: 100, top: 100, right: 300, bottom: 300 }), 400, 400);
  const controller = new AbortController();
  const pending = engine.edit(editJob(large, { n: 4, signal: controller.signal }));
  setTimeout(() => controller.abort(), 30);
  await assert.rejects(pending, (error: unknown) => error instanceof EngineError && error.kind === 'cancelled');
});

test('a full queue rejects with overloaded, retryable, with a retry delay', async () => {
  const small = new LocalFillEngine({ threads: 1, maxQueue: 2, maxInputPixels: 1_000_000 });
  try {
    const image = await writePng('overload.png', stripedRgba(96, 96, { left: 20, top: 20, right: 76, bottom: 76 }), 96, 96);
    await assert.rejects(small.edit(editJob(image, { n: 4 })), (error: unknown) => {
      assert.ok(error instanceof EngineError);
      assert.equal(error.kind, 'overloaded');
      assert.equal(error.retryable, true);
      assert.ok(error.retryAfterMs !== null && error.retryAfterMs > 0);
      return true;
    });
    assert.equal((await small.edit(editJob(image, { n: 3 }))).images.length, 3, 'fits: 1 running + 2 queued');
  } finally {
    await small.close();
  }
});

test('the pixel budget: fills above it run one at a time, within it side by side', async () => {
  const image = await writePng('budget.png', stripedRgba(160, 160, { left: 30, top: 30, right: 130, bottom: 130 }), 160, 160);
  const pixels = fillPixels(image, null);
  assert.equal(pixels, 160 * 160 + Math.ceil((160 * 160) / 8));
  async function mostAdmitted(budget: number): Promise<number> {
    const budgeted = new LocalFillEngine({ threads: 2, maxInputPixels: 1_000_000, pixelBudget: budget });
    try {
      let most = 0;
      let done = false;
      const edit = budgeted.edit(editJob(image, { n: 3 })).finally(() => (done = true));
      while (!done) {
        const load = budgeted.load;
        most = Math.max(most, load.tasksAdmitted);
        assert.ok(load.pixelsHeld <= Math.max(budget, pixels), `held ${load.pixelsHeld} within the budget`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      assert.equal((await edit).images.length, 3);
      assert.deepEqual(budgeted.load, { tasksAccepted: 0, tasksAdmitted: 0, pixelsHeld: 0 });
      return most;
    } finally {
      await budgeted.close();
    }
  }
  assert.equal(await mostAdmitted(1), 1, 'each fill is above the budget, so they take turns');
  assert.equal(await mostAdmitted(pixels * 2), 2, 'two fit side by side');
});

test('corrupt pixels and a mismatched mask are invalid_input', async () => {
  const png = await sharp(stripedRgba(40, 36, null), { raw: { width: 40, height: 36, channels: 4 } }).png().toBuffer();
  const path = join(directory, 'corrupt.png');
  await writeFile(path, png.subarray(0, png.length - 40));
  const corrupt = { path, facts: readImageFacts(png), byteLength: png.length - 40, filename: 'corrupt.png' };
  await assert.rejects(engine.edit(editJob(corrupt)), (error: unknown) => error instanceof EngineError && error.kind === 'invalid_input');
  const image = await writePng('image.png', stripedRgba(40, 36, hole), 40, 36);
  const mask = await writePng('small-mask.png', Buffer.alloc(20 * 20 * 4), 20, 20);
  await assert.rejects(engine.edit(editJob(image, { mask })), (error: unknown) => error instanceof EngineError && error.kind === 'invalid_input');
});

test('jobs aborted at any moment, and n=3 jobs on a corrupt file, never take the process down (issue 9)', async () => {
  // Aborting a running task terminates its worker; a result it had already posted used to
  // reach piscina as an unhandled 'error' event and kill the process (found by the fuzz suite).
  const png = await sharp(stripedRgba(96, 96, null), { raw: { width: 96, height: 96, channels: 4 } }).png().toBuffer();
  const path = join(directory, 'corrupt-n3.png');
  await writeFile(path, png.subarray(0, png.length - 60));
  const corrupt = { path, facts: readImageFacts(png), byteLength: png.length - 60, filename: 'corrupt-n3.png' };
  const image = await writePng('abortable.png', stripedRgba(96, 96, { left: 30, top: 30, right: 70, bottom: 70 }), 96, 96);
  const pool = new LocalFillEngine({ threads: 2, maxInputPixels: 1_000_000 });
  try {
    const outcomes: string[] = [];
    for (let round = 0; round < 16; round += 1) {
      const controller = new AbortController();
      const aborted = pool.edit(editJob(image, { n: 2, seed: round, signal: controller.signal })).then(() => 'done', (error: EngineError) => error.kind);
      const refused = pool.edit(editJob(corrupt, { n: 3 })).then(() => 'done', (error: EngineError) => error.kind);
      setTimeout(() => controller.abort(), round % 8);
      outcomes.push(await aborted, await refused);
    }
    assert.deepEqual(new Set(outcomes.filter((_, index) => index % 2 === 1)), new Set(['invalid_input']));
    // The pool still works afterwards.
    assert.equal((await pool.edit(editJob(image, { seed: 1 }))).images.length, 1);
  } finally {
    await pool.close();
  }
});

test('declares its capabilities', () => {
  assert.equal(engine.id, 'local');
  assert.deepEqual(engine.capabilities, {
    inputFormats: ['png', 'jpeg', 'webp'], outputFormats: ['png', 'jpeg', 'webp'], maxInputImages: 1,
    maxOutputImagesPerCall: 10, mask: true, streaming: true, resize: true,
  });
  assert.throws(() => new LocalFillEngine({ threads: 0, maxInputPixels: 1 }), RangeError);
});

test('partialImages: coarse levels stream before the result, in order, at the output size', async () => {
  const image = await writePng('stream.png', stripedRgba(128, 96, { left: 40, top: 30, right: 88, bottom: 66 }), 128, 96);
  const partials: Array<{ index: number; bytes: Buffer }> = [];
  const job = editJob(image, { partialImages: 2, seed: 9, onPartialImage: (partial) => partials.push(partial) });
  const result = await engine.edit(job);
  assert.deepEqual(partials.map((partial) => partial.index), [0, 1]);
  for (const partial of partials) {
    const metadata = await sharp(partial.bytes).metadata();
    assert.deepEqual([metadata.format, metadata.width, metadata.height], ['png', 128, 96]);
  }
  assert.ok(!partials[0].bytes.equals(partials[1].bytes) && !partials[1].bytes.equals(result.images[0].bytes));
  const plain = await engine.edit(editJob(image, { seed: 9 }));
  assert.ok(plain.images[0].bytes.equals(result.images[0].bytes), 'streaming does not change the result');
  const others: number[] = [];
  await engine.edit(editJob(image, { n: 2, partialImages: 3, onPartialImage: (partial) => others.push(partial.index) }));
  assert.deepEqual(others, [0, 1], 'only the first output streams; no more partials than coarse levels');
});

test('a time budget that has run out still returns a complete fill', async () => {
  const budgeted = new LocalFillEngine({ threads: 1, maxInputPixels: 4_000_000, timeBudgetMs: 1 });
  try {
    const input = stripedRgba(160, 120, { left: 50, top: 35, right: 110, bottom: 85 });
    const image = await writePng('budget.png', input, 160, 120);
    const output = await decode((await budgeted.edit(editJob(image))).images[0].bytes);
    for (let pixel = 0; pixel < 160 * 120; pixel += 1) {
      if (input[pixel * 4 + 3] === 0) assert.equal(output[pixel * 4 + 3], 255);
      else assert.ok(output.subarray(pixel * 4, pixel * 4 + 4).equals(input.subarray(pixel * 4, pixel * 4 + 4)));
    }
  } finally {
    await budgeted.close();
  }
});

/**
 * Quality floors of the fill against the in-process OpenCV.js Telea baseline, on small crops
 * of the vendored benchmark images (bench/engine-fixtures): the fill must keep texture where
 * diffusion smears it. The full comparison is `npm run bench:engine`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { openCvInpaint } from '../../../bench/engine-opencv-inpaint.ts';
import { highFrequencyRatio } from '../../images/metrics/high-frequency-ratio.ts';
import { holePsnr } from '../../images/metrics/hole-psnr.ts';
import { textureDistance } from '../../images/metrics/texture-distance.ts';
import { patchFill } from './patch-fill.ts';

async function crop(file: string, left: number, top: number, side: number): Promise<Uint8Array> {
  const path = new URL(`../../../bench/engine-fixtures/${file}`, import.meta.url).pathname;
  const data = await sharp(path).extract({ left, top, width: side, height: side }).toColourspace('srgb').removeAlpha().ensureAlpha().raw().toBuffer();
  return new Uint8Array(data);
}

async function compare(truth: Uint8Array, hole: Uint8Array, side: number) {
  const input = new Uint8Array(truth);
  for (let pixel = 0; pixel < hole.length; pixel += 1) if (hole[pixel] === 1) input.fill(0, pixel * 4, pixel * 4 + 4);
  const engine = patchFill({ rgba: input, mask: hole, width: side, height: side, seed: 1 });
  const telea = await openCvInpaint(input, hole, side, side, 'telea');
  const measure = (filled: Uint8Array) => {
    const measured = { truth, filled, hole, width: side, height: side };
    return { texture: textureDistance(measured), highFrequency: highFrequencyRatio(measured), psnr: holePsnr(measured) };
  };
  return { engine: measure(engine), telea: measure(telea) };
}

/** Fine detail: at least 0.4 of the truth's and 3x Telea's, and not above 1.5 (noise, seams). */
function assertDetailKept(engineRatio: number, teleaRatio: number): void {
  assert.ok(engineRatio >= Math.max(0.4, 3 * teleaRatio) && engineRatio <= 1.5, `high-frequency ratio ${engineRatio.toFixed(2)} vs Telea ${teleaRatio.toFixed(2)}`);
}

test('texture crop (brick, 20 % box): texture distance at most 0.6x Telea, fine detail kept', async () => {
  const side = 128;
  const truth = await crop('brick.png', 200, 200, side);
  const hole = new Uint8Array(side * side);
  for (let y = 35; y < 92; y += 1) hole.fill(1, y * side + 35, y * side + 92);
  const { engine, telea } = await compare(truth, hole, side);
  assert.ok(engine.texture <= 0.6 * telea.texture, `texture distance ${engine.texture.toFixed(2)} vs Telea ${telea.texture.toFixed(2)}`);
  assertDetailKept(engine.highFrequency, telea.highFrequency);
});

test('outpaint crop (grass, right fifth): texture distance at most 0.6x Telea, fine detail kept', async () => {
  const side = 128;
  const truth = await crop('grass.png', 100, 100, side);
  const hole = new Uint8Array(side * side);
  for (let y = 0; y < side; y += 1) hole.fill(1, y * side + 102, (y + 1) * side);
  const { engine, telea } = await compare(truth, hole, side);
  assert.ok(engine.texture <= 0.6 * telea.texture, `texture distance ${engine.texture.toFixed(2)} vs Telea ${telea.texture.toFixed(2)}`);
  assertDetailKept(engine.highFrequency, telea.highFrequency);
});

test('thin strokes on a photo crop (chelsea): hole PSNR at most 1 dB below Telea', async () => {
  const side = 128;
  const truth = await crop('chelsea.png', 160, 90, side);
  const hole = new Uint8Array(side * side);
  for (let y = 0; y < side; y += 1) {
    for (let x = 0; x < side; x += 1) if (Math.abs(x - y) <= 1 || Math.abs(x + y - side) <= 1 || Math.abs(y - 64) <= 1) hole[y * side + x] = 1;
  }
  const { engine, telea } = await compare(truth, hole, side);
  assert.ok(engine.psnr >= telea.psnr - 1, `hole PSNR ${engine.psnr.toFixed(2)} vs Telea ${telea.psnr.toFixed(2)} dB`);
});

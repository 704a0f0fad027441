import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localDetailShare } from './local-detail-share.ts';
import { smoothHoleWeights } from './smooth-hole-weights.ts';
import { teleaFill } from './telea-fill.ts';

const SIDE = 200;

function paint(painter: (x: number, y: number) => number): Uint8Array {
  const rgba = new Uint8Array(SIDE * SIDE * 4);
  for (let y = 0; y < SIDE; y += 1) {
    for (let x = 0; x < SIDE; x += 1) {
      const value = painter(x, y);
      rgba.set([value, value, value, 255], (y * SIDE + x) * 4);
    }
  }
  return rgba;
}

function boxMask(left: number, top: number, side: number): Uint8Array {
  const mask = new Uint8Array(SIDE * SIDE);
  for (let y = top; y < top + side; y += 1) mask.fill(1, y * SIDE + left, y * SIDE + left + side);
  return mask;
}

/** A deterministic grain (a hash of the position), as fine as a texture's. */
const grain = (x: number, y: number) => ((x * 7919 + y * 104729) ^ (x * y * 31)) % 200;
const gradient = (x: number, y: number) => Math.round(40 + x + y / 2);
const enclosedBox = boxMask(75, 75, 50);

test('a small enclosed hole in smooth surroundings is diffused; in a grainy texture or at the edge it is not', () => {
  const smooth = smoothHoleWeights(paint(gradient), enclosedBox, SIDE, SIDE);
  assert.ok(smooth !== null);
  enclosedBox.forEach((value, pixel) => assert.equal(smooth[pixel], value === 1 ? 255 : 0));
  assert.equal(smoothHoleWeights(paint(grain), enclosedBox, SIDE, SIDE), null);
  assert.equal(smoothHoleWeights(paint(gradient), boxMask(0, 75, 50), SIDE, SIDE), null);
  // Deeper than a fifth of the side: left to the patch fill.
  assert.equal(smoothHoleWeights(paint(gradient), boxMask(55, 55, 90), SIDE, SIDE), null);
});

test('local detail share: 0 on a smooth ramp, above 0.3 on grain', () => {
  const ramp = localDetailShare(paint(gradient), enclosedBox, SIDE, SIDE);
  const grainy = localDetailShare(paint(grain), enclosedBox, SIDE, SIDE);
  const corner = 10 * SIDE + 10;
  assert.ok(ramp[corner] < 0.01, `ramp ${ramp[corner]}`);
  assert.ok(grainy[corner] > 0.3, `grain ${grainy[corner]}`);
  // Deep inside the hole no known pixel is in reach.
  assert.ok(Number.isNaN(ramp[100 * SIDE + 100]));
});

test('Telea fast marching continues a ramp into the hole and leaves known pixels alone', () => {
  const rgba = paint(gradient);
  const color = new Float32Array(SIDE * SIDE * 3);
  for (let pixel = 0; pixel < SIDE * SIDE; pixel += 1) {
    for (let channel = 0; channel < 3; channel += 1) color[pixel * 3 + channel] = enclosedBox[pixel] === 1 ? 0 : rgba[pixel * 4 + channel];
  }
  const filled = teleaFill(color, enclosedBox, SIDE, SIDE);
  let errorSum = 0;
  let holePixels = 0;
  for (let pixel = 0; pixel < SIDE * SIDE; pixel += 1) {
    if (enclosedBox[pixel] === 0) assert.equal(filled[pixel * 3], color[pixel * 3]);
    else {
      errorSum += Math.abs(filled[pixel * 3] - rgba[pixel * 4]);
      holePixels += 1;
    }
  }
  // A ramp rising 75 levels across the box comes back within a few levels of the truth on average.
  assert.ok(errorSum / holePixels < 8, `mean error ${errorSum / holePixels}`);
});

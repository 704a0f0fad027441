import type { FillQualityInput } from './fill-quality-input.ts';
import { createSeededRandom } from '../seeded-random.ts';

const PATCH_RADIUS = 3;
const PATCH_VALUES = (2 * PATCH_RADIUS + 1) ** 2 * 3;
const MAX_PATCHES = 2048;
const PROJECTIONS = 48;

/**
 * Sliced Wasserstein distance between the distribution of 7×7 RGB patches centred on hole
 * pixels in the fill and in the truth (Rabin et al. 2011): both sets are projected on random
 * unit directions, sorted, and the mean absolute difference of matching quantiles is averaged
 * over directions. In gray levels; 0 = same texture statistics. Insensitive to where a texture
 * element sits, unlike PSNR, so it rewards a plausible texture over a blur. Deterministic (the
 * sample and the directions come from a fixed seed).
 */
export function textureDistance(input: FillQualityInput): number {
  const centres = sampleCentres(input);
  if (centres.length === 0) return 0;
  const random = createSeededRandom(0x5eed);
  const direction = new Float64Array(PATCH_VALUES);
  const truthProjection = new Float64Array(centres.length);
  const filledProjection = new Float64Array(centres.length);
  let total = 0;
  for (let projection = 0; projection < PROJECTIONS; projection += 1) {
    randomUnitVector(direction, random);
    for (let index = 0; index < centres.length; index += 1) {
      truthProjection[index] = project(input.truth, input.width, centres[index], direction);
      filledProjection[index] = project(input.filled, input.width, centres[index], direction);
    }
    truthProjection.sort();
    filledProjection.sort();
    let sum = 0;
    for (let index = 0; index < centres.length; index += 1) sum += Math.abs(truthProjection[index] - filledProjection[index]);
    total += sum / centres.length;
  }
  return total / PROJECTIONS;
}

function sampleCentres(input: FillQualityInput): Int32Array {
  const { hole, width, height } = input;
  const all: number[] = [];
  for (let y = PATCH_RADIUS; y < height - PATCH_RADIUS; y += 1) {
    for (let x = PATCH_RADIUS; x < width - PATCH_RADIUS; x += 1) if (hole[y * width + x] === 1) all.push(y * width + x);
  }
  if (all.length <= MAX_PATCHES) return Int32Array.from(all);
  const step = all.length / MAX_PATCHES;
  return Int32Array.from({ length: MAX_PATCHES }, (_, index) => all[Math.floor(index * step)]);
}

function project(rgba: Uint8Array, width: number, centre: number, direction: Float64Array): number {
  let sum = 0;
  let component = 0;
  for (let dy = -PATCH_RADIUS; dy <= PATCH_RADIUS; dy += 1) {
    for (let dx = -PATCH_RADIUS; dx <= PATCH_RADIUS; dx += 1) {
      const at = (centre + dy * width + dx) * 4;
      sum += rgba[at] * direction[component] + rgba[at + 1] * direction[component + 1] + rgba[at + 2] * direction[component + 2];
      component += 3;
    }
  }
  return sum;
}

function randomUnitVector(vector: Float64Array, random: () => number): void {
  let norm = 0;
  for (let index = 0; index < vector.length; index += 1) {
    // Box–Muller: normal components give a direction uniform on the sphere.
    const value = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    vector[index] = value;
    norm += value * value;
  }
  norm = Math.sqrt(norm);
  for (let index = 0; index < vector.length; index += 1) vector[index] /= norm;
}

/**
 * The EM "voting" step of Wexler, Shechtman and Irani (Space-Time Completion of Video, 2007):
 * every hole pixel becomes the weighted average of the pixels that the overlapping target
 * patches' matches put at its position. Better-matching patches weigh more:
 * weight = exp(-d / (2σ²)), d the per-pixel mean squared distance, 2σ² the mean d over targets,
 * floored so that a field of near-perfect matches does not make every other patch weightless.
 */
import type { FillLevel } from './fill-pyramid.ts';
import type { NearestNeighbourField, PatchGeometry } from './nearest-neighbour-field.ts';

/** Per-pixel squared RGB distance (≈ 3 levels per channel) below which weights stop narrowing. */
const MIN_TWO_SIGMA_SQUARED = 30;

export function votePatches(
  level: FillLevel,
  geometry: PatchGeometry,
  field: NearestNeighbourField,
  uniformWeights = false,
): void {
  const { width, height, color, hole } = level;
  const { radius, targets } = geometry;
  const weights = patchWeights(level, geometry, field, uniformWeights);
  const accumulated = new Float32Array(width * height * 3);
  const weightSums = new Float32Array(width * height);
  for (let index = 0; index < targets.length; index += 1) {
    const target = targets[index];
    const weight = weights[index];
    const offset = field.source[index] - target;
    const targetX = target % width;
    const targetY = (target - targetX) / width;
    const startX = Math.max(0, targetX - radius);
    const endX = Math.min(width - 1, targetX + radius);
    for (let y = Math.max(0, targetY - radius); y <= Math.min(height - 1, targetY + radius); y += 1) {
      for (let pixel = y * width + startX; pixel <= y * width + endX; pixel += 1) {
        if (hole[pixel] === 0) continue;
        const from = (pixel + offset) * 3;
        accumulated[pixel * 3] += weight * color[from];
        accumulated[pixel * 3 + 1] += weight * color[from + 1];
        accumulated[pixel * 3 + 2] += weight * color[from + 2];
        weightSums[pixel] += weight;
      }
    }
  }
  for (let pixel = 0; pixel < width * height; pixel += 1) {
    const sum = weightSums[pixel];
    if (hole[pixel] === 0 || sum === 0) continue;
    color[pixel * 3] = accumulated[pixel * 3] / sum;
    color[pixel * 3 + 1] = accumulated[pixel * 3 + 1] / sum;
    color[pixel * 3 + 2] = accumulated[pixel * 3 + 2] / sum;
  }
}

function patchWeights(
  level: FillLevel,
  geometry: PatchGeometry,
  field: NearestNeighbourField,
  uniformWeights: boolean,
): Float32Array {
  const { width, height } = level;
  const { radius, targets } = geometry;
  const weights = new Float32Array(targets.length).fill(1);
  if (uniformWeights || targets.length === 0) return weights;
  let total = 0;
  for (let index = 0; index < targets.length; index += 1) {
    const x = targets[index] % width;
    const y = (targets[index] - x) / width;
    const windowPixels =
      (Math.min(width - 1, x + radius) - Math.max(0, x - radius) + 1) *
      (Math.min(height - 1, y + radius) - Math.max(0, y - radius) + 1);
    weights[index] = field.distance[index] / windowPixels;
    total += weights[index];
  }
  const twoSigmaSquared = Math.max(total / targets.length, MIN_TWO_SIGMA_SQUARED);
  for (let index = 0; index < targets.length; index += 1) {
    // Floor the weight so a target far worse than the rest still votes where it is the only one.
    weights[index] = Math.max(Math.exp(-weights[index] / twoSigmaSquared), 1e-6);
  }
  return weights;
}

/**
 * The finest level's last reconstruction, without averaging: every hole pixel takes the colour
 * that the best-matching patch covering it (lowest mean squared distance per pixel) puts there.
 * Averaging overlapping patches blurs the texture when they disagree by a few pixels; copying
 * from one patch keeps it as sharp as the source (Newson et al. 2014 use the same final step).
 */
export function votePatchesSharp(level: FillLevel, geometry: PatchGeometry, field: NearestNeighbourField): void {
  const { width, height, color, hole } = level;
  const { radius, targets } = geometry;
  const bestScore = new Float32Array(width * height).fill(Infinity);
  const bestSource = new Int32Array(width * height).fill(-1);
  for (let index = 0; index < targets.length; index += 1) {
    const target = targets[index];
    const offset = field.source[index] - target;
    const targetX = target % width;
    const targetY = (target - targetX) / width;
    const startX = Math.max(0, targetX - radius);
    const endX = Math.min(width - 1, targetX + radius);
    const startY = Math.max(0, targetY - radius);
    const endY = Math.min(height - 1, targetY + radius);
    const score = field.distance[index] / ((endX - startX + 1) * (endY - startY + 1));
    for (let y = startY; y <= endY; y += 1) {
      for (let pixel = y * width + startX; pixel <= y * width + endX; pixel += 1) {
        if (hole[pixel] === 0 || score >= bestScore[pixel]) continue;
        bestScore[pixel] = score;
        bestSource[pixel] = pixel + offset;
      }
    }
  }
  for (let pixel = 0; pixel < width * height; pixel += 1) {
    const from = bestSource[pixel];
    if (hole[pixel] === 0 || from < 0) continue;
    color[pixel * 3] = color[from * 3];
    color[pixel * 3 + 1] = color[from * 3 + 1];
    color[pixel * 3 + 2] = color[from * 3 + 2];
  }
}

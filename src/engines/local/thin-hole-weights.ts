/**
 * Where a hole is thin (brush strokes, scratches) and diffusion fills it better than copied
 * patches: a weight per pixel, 255 where every hole pixel within 2T of it lies within T of a
 * known pixel, fading to 0 where the hole is 2T deep nearby (T = min(12 px, shorter side / 24)).
 * A stroke is thin along its length even where it crosses a big hole; the border band of a big
 * hole is not, since a deep pixel lies close by.
 */
import { dilateMask } from './dilate-mask.ts';
import { holeDistance } from './hole-distance.ts';

const THIN_HOLE_MAX_DISTANCE = 12;
const THIN_HOLE_MAX_SIDE_FRACTION = 1 / 24;

/** Returns null when no pixel is thin (then the patch fill alone is used). */
export function thinHoleWeights(mask: Uint8Array, width: number, height: number): Uint8Array | null {
  const thickness = Math.min(THIN_HOLE_MAX_DISTANCE, Math.min(width, height) * THIN_HOLE_MAX_SIDE_FRACTION);
  const distance = holeDistance(mask, width, height);
  const window = Math.ceil(2 * thickness);
  if (everyHolePixelNearDeep(mask, distance, width, height, window, 2 * thickness)) return null;
  const nearbyDepth = maxFilter(distance, width, height, window);
  const weights = new Uint8Array(width * height);
  let anyThin = false;
  for (let pixel = 0; pixel < weights.length; pixel += 1) {
    if (mask[pixel] === 0) continue;
    const weight = Math.min(1, Math.max(0, (2 * thickness - nearbyDepth[pixel]) / thickness));
    weights[pixel] = Math.round(weight * 255);
    if (weights[pixel] > 0) anyThin = true;
  }
  return anyThin ? weights : null;
}

/**
 * True when every hole pixel has a pixel at least `depth` deep within `window` (Chebyshev): then
 * none is thin, and the max filter is not needed (one wide hole, the common case, in a fifth of
 * its time).
 */
function everyHolePixelNearDeep(mask: Uint8Array, distance: Float32Array, width: number, height: number, window: number, depth: number): boolean {
  const deep = new Uint8Array(mask.length);
  let anyDeep = false;
  for (let pixel = 0; pixel < mask.length; pixel += 1) {
    if (distance[pixel] < depth) continue;
    deep[pixel] = 1;
    anyDeep = true;
  }
  if (!anyDeep) return false;
  const nearDeep = dilateMask(deep, width, height, window);
  for (let pixel = 0; pixel < mask.length; pixel += 1) if (mask[pixel] === 1 && nearDeep[pixel] === 0) return false;
  return true;
}

/** Separable square max filter of radius `radius` (sliding-window maximum with a monotonic queue, O(n)). */
function maxFilter(values: Float32Array, width: number, height: number, radius: number): Float32Array {
  const horizontal = new Float32Array(values.length);
  const queue = new Int32Array(Math.max(width, height));
  for (let y = 0; y < height; y += 1) slidingMaximum(values, horizontal, y * width, 1, width, radius, queue);
  const result = new Float32Array(values.length);
  for (let x = 0; x < width; x += 1) slidingMaximum(horizontal, result, x, width, height, radius, queue);
  return result;
}

/** The maximum over ±radius along one row or column: `length` values from `start`, `stride` apart. */
function slidingMaximum(
  values: Float32Array, output: Float32Array, start: number, stride: number, length: number, radius: number, queue: Int32Array,
): void {
  let head = 0;
  let tail = 0;
  for (let index = 0; index < length + radius; index += 1) {
    if (index < length) {
      const value = values[start + index * stride];
      while (tail > head && values[start + queue[tail - 1] * stride] <= value) tail -= 1;
      queue[tail] = index;
      tail += 1;
    }
    const centre = index - radius;
    if (centre < 0) continue;
    while (queue[head] < centre - radius) head += 1;
    output[start + centre * stride] = values[start + queue[head] * stride];
  }
}

import type { FillQualityInput } from './fill-quality-input.ts';
import { boxMean, luminance } from './luminance.ts';

/** Window radius (7×7 windows, as the patches), and SSIM's stabilising constants for 8-bit data. */
const WINDOW_RADIUS = 3;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

/**
 * Structural similarity (Wang et al. 2004) of the luminance, uniform 7×7 windows, averaged over
 * the windows centred on hole pixels. 1 = identical structure.
 */
export function holeSsim(input: FillQualityInput): number {
  const { truth, filled, hole, width, height } = input;
  const count = width * height;
  const a = luminance(truth, count);
  const b = luminance(filled, count);
  const products = (left: Float32Array, right: Float32Array) => left.map((value, index) => value * right[index]);
  const meanA = boxMean(a, width, height, WINDOW_RADIUS);
  const meanB = boxMean(b, width, height, WINDOW_RADIUS);
  const meanAA = boxMean(products(a, a), width, height, WINDOW_RADIUS);
  const meanBB = boxMean(products(b, b), width, height, WINDOW_RADIUS);
  const meanAB = boxMean(products(a, b), width, height, WINDOW_RADIUS);
  let total = 0;
  let windows = 0;
  for (let pixel = 0; pixel < count; pixel += 1) {
    if (hole[pixel] === 0) continue;
    const varianceA = meanAA[pixel] - meanA[pixel] ** 2;
    const varianceB = meanBB[pixel] - meanB[pixel] ** 2;
    const covariance = meanAB[pixel] - meanA[pixel] * meanB[pixel];
    total +=
      ((2 * meanA[pixel] * meanB[pixel] + C1) * (2 * covariance + C2)) /
      ((meanA[pixel] ** 2 + meanB[pixel] ** 2 + C1) * (varianceA + varianceB + C2));
    windows += 1;
  }
  return windows === 0 ? 1 : total / windows;
}

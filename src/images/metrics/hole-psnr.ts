import type { FillQualityInput } from './fill-quality-input.ts';

/** Peak signal-to-noise ratio (dB) of the RGB channels over the hole; Infinity when identical. */
export function holePsnr(input: FillQualityInput): number {
  const { truth, filled, hole } = input;
  let squaredError = 0;
  let samples = 0;
  for (let pixel = 0; pixel < hole.length; pixel += 1) {
    if (hole[pixel] === 0) continue;
    for (let channel = 0; channel < 3; channel += 1) {
      const difference = truth[pixel * 4 + channel] - filled[pixel * 4 + channel];
      squaredError += difference * difference;
    }
    samples += 3;
  }
  if (samples === 0 || squaredError === 0) return Infinity;
  return 10 * Math.log10((255 * 255) / (squaredError / samples));
}

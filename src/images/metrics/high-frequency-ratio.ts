import type { FillQualityInput } from './fill-quality-input.ts';
import { boxMean, luminance } from './luminance.ts';

/**
 * Fine-detail energy in the hole of the fill divided by that of the truth: detail is the
 * luminance minus its 3×3 mean, energy the sum of its squares over hole pixels. About 1 keeps
 * the texture's grain; near 0 is a smooth (blurred) fill; well above 1 is noise or seams.
 */
export function highFrequencyRatio(input: FillQualityInput): number {
  const truthEnergy = detailEnergy(input.truth, input);
  const filledEnergy = detailEnergy(input.filled, input);
  if (truthEnergy === 0) return filledEnergy === 0 ? 1 : Infinity;
  return filledEnergy / truthEnergy;
}

function detailEnergy(rgba: Uint8Array, input: FillQualityInput): number {
  const { hole, width, height } = input;
  const values = luminance(rgba, width * height);
  const smooth = boxMean(values, width, height, 1);
  let energy = 0;
  for (let pixel = 0; pixel < hole.length; pixel += 1) {
    if (hole[pixel] === 1) energy += (values[pixel] - smooth[pixel]) ** 2;
  }
  return energy;
}

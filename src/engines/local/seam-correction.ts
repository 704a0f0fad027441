/**
 * Removes the seam at a patch fill's border: the fill's own estimate of the known pixels just
 * outside the hole (from the same votes) is compared with their true colours, and that
 * mismatch is spread smoothly into the hole (a membrane) and added, so the fill meets its
 * surroundings without a step while keeping its texture (Poisson image editing's idea). The
 * correction fades out over a band inside the border: carried deeper, the mismatch of a
 * texture's ring (large, and a property of the ring, not of the fill) would wash out the fill.
 */

/** Width, in pixels, of the band inside the hole border over which the correction fades to 0. */
const SEAM_BAND = 4;

import type { FillLevel } from './fill-pyramid.ts';
import { holeDistance } from './hole-distance.ts';
import { FIXED, membraneFill, OUTSIDE, SOLVE } from './membrane-fill.ts';
import type { NearestNeighbourField, PatchGeometry } from './nearest-neighbour-field.ts';
import { openLevelKernel } from './patch-kernels.ts';

export function correctSeam(level: FillLevel, geometry: PatchGeometry, field: NearestNeighbourField): void {
  const { width, height, hole, color } = level;
  const ring = new Uint8Array(width * height);
  const widened = hole.slice();
  for (let pixel = 0; pixel < hole.length; pixel += 1) {
    if (hole[pixel] === 1) continue;
    const x = pixel % width;
    const touchesHole =
      (x > 0 && hole[pixel - 1] === 1) || (x < width - 1 && hole[pixel + 1] === 1) ||
      (pixel >= width && hole[pixel - width] === 1) || (pixel < width * (height - 1) && hole[pixel + width] === 1);
    if (touchesHole && geometry.targetIndexOf[pixel] >= 0) {
      ring[pixel] = 1;
      widened[pixel] = 1;
    }
  }
  // The fill's estimate of the ring: the same vote, with the ring counted as hole.
  const estimate: FillLevel = { width, height, hole: widened, color: color.slice() };
  const kernel = openLevelKernel(estimate, geometry, { source: field.source.slice(), distance: field.distance.slice() }, null, null);
  kernel.votePatches(false);
  kernel.finish();
  const state = new Uint8Array(width * height);
  const values = new Float32Array(width * height * 3);
  // Only the band the correction reaches is solved; deeper hole pixels stay outside the problem.
  const distance = holeDistance(hole, width, height);
  for (let pixel = 0; pixel < hole.length; pixel += 1) {
    if (hole[pixel] === 1) state[pixel] = distance[pixel] <= SEAM_BAND + 1 ? SOLVE : OUTSIDE;
    else if (ring[pixel] === 1) {
      state[pixel] = FIXED;
      for (let channel = 0; channel < 3; channel += 1) values[pixel * 3 + channel] = color[pixel * 3 + channel] - estimate.color[pixel * 3 + channel];
    } else state[pixel] = OUTSIDE;
  }
  if (!state.includes(FIXED)) return;
  membraneFill({ width, height, values, channels: 3, state });
  for (let pixel = 0; pixel < hole.length; pixel += 1) {
    if (state[pixel] !== SOLVE) continue;
    const fade = Math.max(0, 1 - (distance[pixel] - 1) / SEAM_BAND);
    for (let channel = 0; channel < 3; channel += 1) color[pixel * 3 + channel] += fade * values[pixel * 3 + channel];
  }
}

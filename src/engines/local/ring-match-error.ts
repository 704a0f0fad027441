/**
 * How well the known ring around some holes is matched elsewhere in the picture: the mean
 * per-pixel squared RGB distance of the finest level's matches for the target patches centred
 * on known pixels next to those holes. Repetitive surroundings (stripes, a pattern, a texture
 * tile) are matched almost exactly (a striped gradient: 19); an object in a photo is not
 * (the benchmark's photo boxes: 620–1750), and there a copied patch is as likely to be wrong
 * content as right.
 */
import type { FillLevel } from './fill-pyramid.ts';
import type { NearestNeighbourField, PatchGeometry } from './nearest-neighbour-field.ts';

/** `near`: 1 for the hole pixels whose ring counts. Returns null when no target is on that ring. */
export function ringMatchError(level: FillLevel, geometry: PatchGeometry, field: NearestNeighbourField, near: Uint8Array): number | null {
  const { width, height, hole } = level;
  const { targets, radius } = geometry;
  let sum = 0;
  let count = 0;
  for (let index = 0; index < targets.length; index += 1) {
    const target = targets[index];
    if (hole[target] === 1 || !windowTouches(near, target, width, height, radius)) continue;
    const x = target % width;
    const y = (target - x) / width;
    const windowPixels = (Math.min(width - 1, x + radius) - Math.max(0, x - radius) + 1) * (Math.min(height - 1, y + radius) - Math.max(0, y - radius) + 1);
    sum += field.distance[index] / windowPixels;
    count += 1;
  }
  return count === 0 ? null : sum / count;
}

function windowTouches(near: Uint8Array, target: number, width: number, height: number, radius: number): boolean {
  const x = target % width;
  const y = (target - x) / width;
  for (let row = Math.max(0, y - radius); row <= Math.min(height - 1, y + radius); row += 1) {
    for (let column = Math.max(0, x - radius); column <= Math.min(width - 1, x + radius); column += 1) {
      if (near[row * width + column] === 1) return true;
    }
  }
  return false;
}

/**
 * PatchMatch search (Barnes et al. 2009, §3.1): alternating scan-order passes of propagation
 * (try the neighbour's match shifted by one pixel) and random search (try matches around the
 * current best in windows halving in size), improving the field in place. With `locality` > 0,
 * a candidate also pays for its offset from the target (see LOCALITY_WEIGHT in patch-fill.ts);
 * the field keeps the pure patch distances, which the votes weigh by.
 */
import type { FillLevel } from './fill-pyramid.ts';
import { patchDistance, type NearestNeighbourField, type PatchGeometry } from './nearest-neighbour-field.ts';
import type { RandomSource } from '../../images/seeded-random.ts';

export function improveField(
  level: FillLevel,
  geometry: PatchGeometry,
  field: NearestNeighbourField,
  random: RandomSource,
  passes: number,
  firstPassForward = true,
  locality = 0,
): void {
  // Locality penalty per squared pixel of offset between target and source, in patch-distance units.
  const penaltyScale = (locality * (2 * geometry.radius + 1) ** 2) / Math.max(level.width, level.height) ** 2;
  for (let pass = 0; pass < passes; pass += 1) {
    const forward = (pass % 2 === 0) === firstPassForward;
    const count = geometry.targets.length;
    for (let step = 0; step < count; step += 1) {
      const index = forward ? step : count - 1 - step;
      improveTarget(level, geometry, field, random, index, forward, penaltyScale);
    }
  }
}

function improveTarget(
  level: FillLevel,
  geometry: PatchGeometry,
  field: NearestNeighbourField,
  random: RandomSource,
  index: number,
  forward: boolean,
  penaltyScale: number,
): void {
  const { width, height } = level;
  const { radius, targets, targetIndexOf, validSource } = geometry;
  const target = targets[index];
  const targetX = target % width;
  const targetY = (target - targetX) / width;
  let best = field.source[index];
  let bestPure = field.distance[index];
  let bestDistance = bestPure + offsetPenalty(best, targetX, targetY, width, penaltyScale);

  // Propagation: the left/upper neighbour's match shifted right/down (reversed on backward passes).
  const step = forward ? 1 : -1;
  const horizontalNeighbour = target - step;
  if (forward ? targetX > 0 : targetX < width - 1) {
    const neighbourIndex = targetIndexOf[horizontalNeighbour];
    if (neighbourIndex >= 0) {
      const candidate = field.source[neighbourIndex] + step;
      const candidateX = candidate % width;
      if (candidateX >= radius && candidateX < width - radius && candidate !== best && validSource[candidate] === 1) {
        const extra = offsetPenalty(candidate, targetX, targetY, width, penaltyScale);
        const distance = patchDistance(level, radius, target, candidate, bestDistance - extra);
        if (distance + extra < bestDistance) {
          best = candidate;
          bestDistance = distance + extra;
          bestPure = distance;
        }
      }
    }
  }
  const verticalNeighbour = target - step * width;
  if (verticalNeighbour >= 0 && verticalNeighbour < width * height) {
    const neighbourIndex = targetIndexOf[verticalNeighbour];
    if (neighbourIndex >= 0) {
      const candidate = field.source[neighbourIndex] + step * width;
      if (candidate >= 0 && candidate < width * height && candidate !== best && validSource[candidate] === 1) {
        const extra = offsetPenalty(candidate, targetX, targetY, width, penaltyScale);
        const distance = patchDistance(level, radius, target, candidate, bestDistance - extra);
        if (distance + extra < bestDistance) {
          best = candidate;
          bestDistance = distance + extra;
          bestPure = distance;
        }
      }
    }
  }

  // Random search around the current best, window halving from the whole image down to one pixel.
  for (let searchRadius = Math.max(width, height); searchRadius >= 1; searchRadius >>= 1) {
    const bestX = best % width;
    const bestY = (best - bestX) / width;
    const x = clamp(bestX + Math.floor(random() * (2 * searchRadius + 1)) - searchRadius, radius, width - 1 - radius);
    const y = clamp(bestY + Math.floor(random() * (2 * searchRadius + 1)) - searchRadius, radius, height - 1 - radius);
    const candidate = y * width + x;
    if (candidate === best || validSource[candidate] !== 1) continue;
    const extra = offsetPenalty(candidate, targetX, targetY, width, penaltyScale);
    const distance = patchDistance(level, radius, target, candidate, bestDistance - extra);
    if (distance + extra < bestDistance) {
      best = candidate;
      bestDistance = distance + extra;
      bestPure = distance;
    }
  }

  field.source[index] = best;
  field.distance[index] = bestPure;
}

/** The locality term: grows with the squared offset between a target and its source. */
function offsetPenalty(source: number, targetX: number, targetY: number, width: number, penaltyScale: number): number {
  if (penaltyScale === 0) return 0;
  const sourceX = source % width;
  const offsetX = sourceX - targetX;
  const offsetY = (source - sourceX) / width - targetY;
  return penaltyScale * (offsetX * offsetX + offsetY * offsetY);
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}

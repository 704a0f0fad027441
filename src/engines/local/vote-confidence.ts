/**
 * Boundary weights of the EM vote (Wexler, Shechtman & Irani 2007, §3.2): a target patch whose
 * centre lies d pixels inside the hole votes with weight γ^-d, so the colours near the known
 * border — where matches are anchored by real pixels — decide over those guessed deeper in.
 * Targets centred on known pixels (the ring around the hole) have d = 0 and weight 1.
 */
import type { FillLevel } from './fill-pyramid.ts';
import { holeDistance } from './hole-distance.ts';
import type { PatchGeometry } from './nearest-neighbour-field.ts';

/** Wexler et al.'s γ. */
const CONFIDENCE_BASE = 1.3;
/**
 * Depth beyond which the weight stops falling: deep inside a wide hole every patch is equally
 * far from the border, and ever smaller weights would only underflow the float votes.
 */
const MAX_CONFIDENCE_DEPTH = 32;

export function voteConfidence(level: FillLevel, geometry: PatchGeometry): Float32Array {
  const distance = holeDistance(level.hole, level.width, level.height);
  const confidence = new Float32Array(geometry.targets.length);
  for (let index = 0; index < confidence.length; index += 1) {
    confidence[index] = CONFIDENCE_BASE ** -Math.min(distance[geometry.targets[index]], MAX_CONFIDENCE_DEPTH);
  }
  return confidence;
}

/**
 * Where diffusion takes over from the patch fill: thin parts of a hole (strokes) and small holes
 * in smooth surroundings take diffused colours plus part of the patch fill's fine detail (see
 * thin-hole-weights.ts and smooth-hole-weights.ts for which pixels, and how much).
 */
import { boxMean } from '../../images/metrics/luminance.ts';
import type { FillLevel } from './fill-pyramid.ts';
import { FIXED, membraneFill, OUTSIDE, SOLVE } from './membrane-fill.ts';
import type { NearestNeighbourField, PatchGeometry } from './nearest-neighbour-field.ts';
import { ringMatchError } from './ring-match-error.ts';
import { teleaFill } from './telea-fill.ts';

/** Box radius separating the patch fill's fine detail (kept on thin holes) from its colours (replaced by diffusion). */
const DETAIL_RADIUS = 2;
/**
 * How much of that detail is kept (also on small holes in smooth surroundings): all of it costs
 * hole PSNR on photos, none makes every seed the same fill.
 */
const DETAIL_WEIGHT = 0.5;

/** Thin parts' colours: a membrane from the known pixels bordering the hole. Returns RGB per pixel. */
export function fillByDiffusion(level: FillLevel): Float32Array {
  const { width, height, hole } = level;
  const color = level.color.slice();
  const state = new Uint8Array(width * height);
  for (let pixel = 0; pixel < hole.length; pixel += 1) {
    const x = pixel % width;
    const nearHole =
      (x > 0 && hole[pixel - 1] === 1) || (x < width - 1 && hole[pixel + 1] === 1) ||
      (pixel >= width && hole[pixel - width] === 1) || (pixel < width * (height - 1) && hole[pixel + width] === 1);
    state[pixel] = hole[pixel] === 1 ? SOLVE : nearHole ? FIXED : OUTSIDE;
  }
  membraneFill({ width, height, values: color, channels: 3, state });
  return color;
}

/**
 * Per-pixel ring match error (ring-match-error.ts) up to which the surroundings of a small smooth
 * hole count as repetitive and keep the patch fill, fading to the diffusion blend at the max: a
 * striped gradient matches at 19 (diffused, its stripes came back as a soft blob), the
 * benchmark's photo boxes at 620–1750.
 */
const SELF_SIMILAR_RING_ERROR = 100;
const UNIQUE_RING_ERROR = 300;

/** The smooth-hole weights, scaled down where the holes' surroundings are repeated elsewhere. */
export function trustSelfSimilarRings(
  level: FillLevel,
  solved: { readonly geometry: PatchGeometry; readonly field: NearestNeighbourField },
  smoothWeights: Uint8Array,
): Uint8Array {
  const near = new Uint8Array(smoothWeights.length);
  for (let pixel = 0; pixel < near.length; pixel += 1) near[pixel] = smoothWeights[pixel] > 0 ? 1 : 0;
  const error = ringMatchError(level, solved.geometry, solved.field, near);
  if (error === null) return smoothWeights;
  const scale = Math.min(1, Math.max(0, (error - SELF_SIMILAR_RING_ERROR) / (UNIQUE_RING_ERROR - SELF_SIMILAR_RING_ERROR)));
  if (scale === 1) return smoothWeights;
  const scaled = new Uint8Array(smoothWeights.length);
  for (let pixel = 0; pixel < scaled.length; pixel += 1) scaled[pixel] = Math.round(smoothWeights[pixel] * scale);
  return scaled;
}

/**
 * Thin parts of the hole (weight w, 0–255) become, in proportion w, the diffusion plus the
 * patch fill's fine detail (the fill minus its local mean); the rest keeps the patch fill.
 */
export function blendThinParts(level: FillLevel, diffused: Float32Array, thinWeights: Uint8Array): void {
  const { width, height, hole, color } = level;
  const channel = new Float32Array(width * height);
  for (let component = 0; component < 3; component += 1) {
    for (let pixel = 0; pixel < channel.length; pixel += 1) channel[pixel] = color[pixel * 3 + component];
    const mean = boxMean(channel, width, height, DETAIL_RADIUS);
    for (let pixel = 0; pixel < channel.length; pixel += 1) {
      if (hole[pixel] === 0 || thinWeights[pixel] === 0) continue;
      const weight = thinWeights[pixel] / 255;
      const thinValue = diffused[pixel * 3 + component] + DETAIL_WEIGHT * (channel[pixel] - mean[pixel]);
      color[pixel * 3 + component] = (1 - weight) * channel[pixel] + weight * thinValue;
    }
  }
}

/**
 * Small holes in smooth surroundings (weight w, 0–255) become, in proportion w, the mean of two
 * diffusions — the membrane and Telea's fast marching, whose errors differ (the mean scored
 * 0.4–0.6 dB above either on the benchmark's photo boxes) — plus part of the patch fill's detail.
 */
export function blendSmoothHoles(level: FillLevel, membrane: Float32Array, smoothWeights: Uint8Array): void {
  const { width, height, color } = level;
  const smoothHole = new Uint8Array(smoothWeights.length);
  for (let pixel = 0; pixel < smoothHole.length; pixel += 1) smoothHole[pixel] = smoothWeights[pixel] > 0 ? 1 : 0;
  const marched = teleaFill(color, smoothHole, width, height);
  const channel = new Float32Array(width * height);
  for (let component = 0; component < 3; component += 1) {
    for (let pixel = 0; pixel < channel.length; pixel += 1) channel[pixel] = color[pixel * 3 + component];
    const mean = boxMean(channel, width, height, DETAIL_RADIUS);
    for (let pixel = 0; pixel < channel.length; pixel += 1) {
      if (smoothWeights[pixel] === 0) continue;
      const weight = smoothWeights[pixel] / 255;
      const diffusion = (membrane[pixel * 3 + component] + marched[pixel * 3 + component]) / 2;
      const smoothValue = diffusion + DETAIL_WEIGHT * (channel[pixel] - mean[pixel]);
      color[pixel * 3 + component] = (1 - weight) * channel[pixel] + weight * smoothValue;
    }
  }
}

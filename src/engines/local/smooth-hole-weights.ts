/**
 * Which holes diffusion fills better than copied patches, decided per hole (connected part of
 * the mask): small, enclosed holes in smooth, structured surroundings — an object in a photo —
 * where a patch copied from elsewhere is as likely to be wrong content as right (the benchmark's
 * 5 % boxes on photos: patches 1.8–4.4 dB below Telea's hole PSNR, diffusion 0–1 dB above).
 * Textured surroundings (brick, grass, fur with fine grain) keep the patch fill: there the copied
 * patch is right and diffusion is a blur.
 *
 * A hole qualifies by its depth (largest distance to a known pixel) and by the grain of the
 * known ring around it: the share of the ring's luminance variance that is fine detail (the
 * residual after a 9×9 mean of the known pixels). Measured around the benchmark's 5 % boxes:
 * photos 0.04–0.08, textures 0.35 (brick) and 0.57 (grass). Holes touching the image edge (outpainting) always keep patches.
 */
import { holeDistance } from './hole-distance.ts';

/** Depth (as a share of the shorter side) up to which a hole is small: full weight, fading to 0 at the max. */
const SMALL_HOLE_DEPTH_SHARE = 1 / 7;
const SMALL_HOLE_MAX_DEPTH_SHARE = 1 / 5;
/** Fine-detail share of the ring's variance below which the surroundings are smooth: full weight, fading to 0 at the max. */
const SMOOTH_RING_DETAIL_SHARE = 0.15;
const SMOOTH_RING_MAX_DETAIL_SHARE = 0.25;
/** Width in pixels of the known ring whose grain is measured. */
const RING_WIDTH = 16;
/** Holes no deeper than this are strokes, left to the thin-hole blend. */
const MIN_DEPTH = 24;
/** Radius of the local mean that fine detail is measured against (9×9: a brick's mortar lines count as detail). */
const DETAIL_RADIUS = 4;

/** Returns a weight per pixel (0–255, 255 = diffusion), or null when no hole qualifies. */
export function smoothHoleWeights(rgba: Uint8Array, mask: Uint8Array, width: number, height: number): Uint8Array | null {
  const side = Math.min(width, height);
  const depth = holeDistance(mask, width, height);
  const labels = new Int32Array(width * height).fill(-1);
  const stack = new Int32Array(width * height);
  let weights: Uint8Array | null = null;
  let luminance: Float32Array | null = null;
  let ringDistance: Float32Array | null = null;
  for (let start = 0; start < mask.length; start += 1) {
    if (mask[start] === 0 || labels[start] !== -1) continue;
    // One hole: flood fill (8-connected), its depth, bounding box and whether it touches the edge.
    const members: number[] = [];
    let maxDepth = 0;
    let touchesEdge = false;
    let left = width;
    let right = 0;
    let top = height;
    let bottom = 0;
    let size = 0;
    stack[size++] = start;
    labels[start] = start;
    while (size > 0) {
      const pixel = stack[--size];
      members.push(pixel);
      const x = pixel % width;
      const y = (pixel - x) / width;
      if (depth[pixel] > maxDepth) maxDepth = depth[pixel];
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) touchesEdge = true;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      for (let neighbourY = Math.max(0, y - 1); neighbourY <= Math.min(height - 1, y + 1); neighbourY += 1) {
        for (let neighbourX = Math.max(0, x - 1); neighbourX <= Math.min(width - 1, x + 1); neighbourX += 1) {
          const neighbour = neighbourY * width + neighbourX;
          if (mask[neighbour] === 0 || labels[neighbour] !== -1) continue;
          labels[neighbour] = start;
          stack[size++] = neighbour;
        }
      }
    }
    if (touchesEdge || maxDepth <= MIN_DEPTH) continue;
    const depthWeight = fade(maxDepth / side, SMALL_HOLE_DEPTH_SHARE, SMALL_HOLE_MAX_DEPTH_SHARE);
    if (depthWeight === 0) continue;
    luminance ??= toLuminance(rgba, mask);
    ringDistance ??= holeDistance(invertMask(mask), width, height);
    const detailShare = ringDetailShare(luminance, mask, ringDistance, width, height, {
      left: Math.max(0, left - RING_WIDTH), right: Math.min(width - 1, right + RING_WIDTH),
      top: Math.max(0, top - RING_WIDTH), bottom: Math.min(height - 1, bottom + RING_WIDTH),
    });
    const weight = depthWeight * fade(detailShare, SMOOTH_RING_DETAIL_SHARE, SMOOTH_RING_MAX_DETAIL_SHARE);
    if (weight === 0) continue;
    weights ??= new Uint8Array(width * height);
    for (const pixel of members) weights[pixel] = Math.round(weight * 255);
  }
  return weights;
}

/** 1 up to `full`, linearly down to 0 at `none`. */
function fade(value: number, full: number, none: number): number {
  return Math.min(1, Math.max(0, (none - value) / (none - full)));
}

function toLuminance(rgba: Uint8Array, mask: Uint8Array): Float32Array {
  const result = new Float32Array(mask.length);
  for (let pixel = 0; pixel < mask.length; pixel += 1) {
    result[pixel] = 0.299 * rgba[pixel * 4] + 0.587 * rgba[pixel * 4 + 1] + 0.114 * rgba[pixel * 4 + 2];
  }
  return result;
}

interface Box { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number }

/** Share of the ring's luminance variance in its fine detail (luminance minus the 9×9 mean of known pixels). */
function ringDetailShare(luminance: Float32Array, mask: Uint8Array, ringDistance: Float32Array, width: number, height: number, box: Box): number {
  let count = 0;
  let sum = 0;
  let squares = 0;
  let detail = 0;
  for (let y = box.top; y <= box.bottom; y += 1) {
    for (let x = box.left; x <= box.right; x += 1) {
      const pixel = y * width + x;
      if (mask[pixel] === 1 || ringDistance[pixel] > RING_WIDTH) continue;
      let localCount = 0;
      let localSum = 0;
      for (let neighbourY = Math.max(0, y - DETAIL_RADIUS); neighbourY <= Math.min(height - 1, y + DETAIL_RADIUS); neighbourY += 1) {
        for (let neighbourX = Math.max(0, x - DETAIL_RADIUS); neighbourX <= Math.min(width - 1, x + DETAIL_RADIUS); neighbourX += 1) {
          const neighbour = neighbourY * width + neighbourX;
          if (mask[neighbour] === 1) continue;
          localCount += 1;
          localSum += luminance[neighbour];
        }
      }
      const value = luminance[pixel];
      count += 1;
      sum += value;
      squares += value * value;
      detail += (value - localSum / localCount) ** 2;
    }
  }
  if (count === 0) return 1;
  const variance = squares / count - (sum / count) ** 2;
  return variance <= 0 ? 0 : detail / count / variance;
}

function invertMask(mask: Uint8Array): Uint8Array {
  const inverted = new Uint8Array(mask.length);
  for (let pixel = 0; pixel < mask.length; pixel += 1) inverted[pixel] = 1 - mask[pixel];
  return inverted;
}

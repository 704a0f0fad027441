/**
 * `patchFill`: multi-scale, patch-based image completion (Wexler, Shechtman & Irani 2007 with
 * PatchMatch as the search, as in Photoshop's Content-Aware Fill). The hole is filled with
 * content taken from the known part of the same image so the edit continues its textures.
 *
 * Coarse to fine: the coarsest level's hole starts from diffusion of its boundary; each level
 * then alternates PatchMatch (improve the nearest-neighbour field) and voting (rebuild the hole
 * from the matched patches); the field is upsampled to seed the next finer level.
 */
import { availableParallelism } from 'node:os';
import {
  buildPyramid,
  createFinestLevel,
  initialiseHoleByDiffusion,
  type FillLevel,
} from './fill-pyramid.ts';
import {
  createPatchGeometry,
  createSourceExclusion,
  randomField,
  upsampleField,
  type NearestNeighbourField,
  type PatchGeometry,
} from './nearest-neighbour-field.ts';
import { cropWindow, findFillWindow, pasteWindow } from './fill-window.ts';
import { blendSmoothHoles, blendThinParts, fillByDiffusion, trustSelfSimilarRings } from './diffusion-blends.ts';
import { kernelHelperThread } from './kernel-helper-thread.ts';
import { releaseLargeKernelWorkspace } from './kernel-workspace.ts';
import { forgetHoleDistances } from './hole-distance.ts';
import { openLevelKernel } from './patch-kernels.ts';
import { correctSeam } from './seam-correction.ts';
import { localDetailShare } from './local-detail-share.ts';
import { smoothHoleWeights } from './smooth-hole-weights.ts';
import { thinHoleWeights } from './thin-hole-weights.ts';
import { voteConfidence } from './vote-confidence.ts';
import { fillWithSeededTexture } from './seeded-texture.ts';
import { createSeededRandom, randomInteger, type RandomSource } from '../../images/seeded-random.ts';

export interface PatchFillInput {
  /** RGBA pixels, row-major. Not modified. */
  readonly rgba: Uint8Array;
  /** One byte per pixel: 1 = fill. */
  readonly mask: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly seed: number;
  /**
   * Wall-clock time (`Date.now()` milliseconds) after which no more EM iterations start: the
   * remaining levels are only upsampled and voted once, so a late job still ends soon with a
   * coarser fill instead of timing out. Absent: no budget.
   */
  readonly deadlineAtMs?: number;
  /**
   * Threads the fill runs on: 1, or 2 (this one and a helper thread kept for later fills), or a
   * function asked before each pyramid level (a busy server answers 1 so that its cores are not
   * oversubscribed). The output is the same bytes either way. Default: 2 on two or more cores.
   */
  readonly threads?: 1 | 2 | (() => 1 | 2);
  /** How many intermediate results to report (0–3): the last coarse levels before the finest. */
  readonly partialImages?: number;
  /** Receives each intermediate result as full-size RGBA (hole from the coarse level, upscaled), index from 0. */
  readonly onPartialImage?: (rgba: Uint8Array, index: number) => void;
}

/**
 * Spatial locality of the patch search: a source costs, per window pixel, this times its
 * squared offset from the target as a share of the level's longer side (half the picture away:
 * 2000, as much as a mismatch of 26 levels in every channel). Fills continue their neighbourhood
 * instead of copying look-alike content from across the picture (bench: brick box 20 % texture
 * distance 5.7 -> 1.7, brick one side 3.0 -> 2.4, astronaut border 15.1 -> 12.4).
 */
const LOCALITY_WEIGHT = 8000;

const DEFAULT_THREADS: 1 | 2 = availableParallelism() > 1 ? 2 : 1;

/** 7×7 patches. */
const PATCH_RADIUS = 3;

/**
 * Working resolution cap: levels with more pixels than this (images or windows above about
 * 1200×1200) are only refined — one EM iteration of one pass — on top of the solution found at
 * the capped resolution, so fill time grows with the pixel count instead of with the work of
 * full EM at every large level.
 */
const FULL_EM_MAX_LEVEL_PIXELS = 1_500_000;

/** EM iterations (each: PatchMatch passes, then a vote) per level, coarsest level first. */
function iterationsForLevel(level: FillLevel, levelIndex: number, levelCount: number): { em: number; passes: number } {
  if (levelIndex < levelCount - 1 && level.width * level.height > FULL_EM_MAX_LEVEL_PIXELS) return { em: 1, passes: 1 };
  if (levelIndex === 0) return { em: 2, passes: 1 };
  if (levelIndex === levelCount - 1) return { em: 10, passes: 2 };
  return { em: 4, passes: 2 };
}

/**
 * Returns new RGBA pixels: unmasked pixels are copied bit-exact, filled pixels are opaque.
 * The same input and seed always give the same bytes.
 */
export function patchFill(input: PatchFillInput): Uint8Array {
  try {
    return fillHoles(input);
  } finally {
    releaseLargeKernelWorkspace();
    forgetHoleDistances();
  }
}

function fillHoles(input: PatchFillInput): Uint8Array {
  const { rgba, mask, width } = input;
  if (!mask.includes(1)) return new Uint8Array(rgba);
  // Thinness is judged on the whole image, so a crop does not change how a hole is filled.
  const thinWeights = thinHoleWeights(mask, width, input.height);
  const smoothWeights = smoothHoleWeights(rgba, mask, width, input.height);
  const window = findFillWindow(mask, width, input.height);
  if (window === null) {
    if (thinWeights !== null) keepPatchesOnTextures(thinWeights, mask, localDetailShare(rgba, mask, width, input.height));
    return fillWhole(input, thinWeights, smoothWeights);
  }
  const onPartialImage = input.onPartialImage;
  const windowInput = {
    ...input,
    rgba: cropWindow(rgba, width, 4, window),
    mask: cropWindow(mask, width, 1, window),
    width: window.width,
    height: window.height,
    onPartialImage: onPartialImage && ((partial: Uint8Array, index: number) => onPartialImage(pasteWindow(rgba, width, window, partial), index)),
  };
  // Whether the surroundings are a texture is judged in the window, the part the fill copies from.
  const windowThinWeights = thinWeights && cropWindow(thinWeights, width, 1, window);
  if (windowThinWeights !== null) keepPatchesOnTextures(windowThinWeights, windowInput.mask, localDetailShare(windowInput.rgba, windowInput.mask, window.width, window.height));
  const filled = fillWhole(windowInput, windowThinWeights, smoothWeights && cropWindow(smoothWeights, width, 1, window));
  return pasteWindow(rgba, width, window, filled);
}

/**
 * Lower quartile of the picture's detail share (see local-detail-share.ts) up to which thin
 * holes are diffused fully, fading to patches only at the max. The lower quartile of the whole
 * known picture, because a texture is grainy everywhere (benchmark: brick 0.31, grass 0.60)
 * while a photo mixes smooth and grainy parts (0.06–0.15) — judged per hole, photos' strokes
 * crossing grainy parts (coffee's wooden table) took patches and lost 2 dB of hole PSNR.
 */
const THIN_SMOOTH_DETAIL_SHARE = 0.2;
const THIN_TEXTURE_DETAIL_SHARE = 0.28;
/** Every this many known pixels is sampled for the quartile. */
const DETAIL_SHARE_SAMPLE_STEP = 7;

/**
 * Thin holes in a texture keep the patch fill: there the copied grain is right and a diffused
 * stroke shows as a soft trail (brick strokes: high-frequency ratio 0.3).
 */
function keepPatchesOnTextures(thinWeights: Uint8Array, mask: Uint8Array, detailShare: Float32Array): void {
  const sample: number[] = [];
  for (let pixel = 0; pixel < mask.length; pixel += DETAIL_SHARE_SAMPLE_STEP) {
    if (mask[pixel] === 0 && !Number.isNaN(detailShare[pixel])) sample.push(detailShare[pixel]);
  }
  if (sample.length === 0) return;
  sample.sort((first, second) => first - second);
  const lowerQuartile = sample[Math.floor((sample.length - 1) / 4)];
  const diffusion = Math.min(1, Math.max(0, (THIN_TEXTURE_DETAIL_SHARE - lowerQuartile) / (THIN_TEXTURE_DETAIL_SHARE - THIN_SMOOTH_DETAIL_SHARE)));
  if (diffusion === 1) return;
  for (let pixel = 0; pixel < thinWeights.length; pixel += 1) thinWeights[pixel] = Math.round(thinWeights[pixel] * diffusion);
}

function fillWhole(input: PatchFillInput, thinWeights: Uint8Array | null, smoothWeights: Uint8Array | null): Uint8Array {
  const { rgba, mask, width, height, seed } = input;
  const output = new Uint8Array(rgba);
  if (!mask.includes(1)) return output;
  const random = createSeededRandom(seed);
  const finest = createFinestLevel(rgba, mask, width, height);
  if (!mask.includes(0)) {
    fillWithSeededTexture(finest, random);
  } else {
    const diffused = thinWeights === null && smoothWeights === null ? null : fillByDiffusion(finest);
    const solved = completeLevels(buildPyramid(finest), random, input);
    if (solved !== null && solved.level === finest) correctSeam(finest, solved.geometry, solved.field);
    if (diffused !== null && smoothWeights !== null) {
      const weights = solved !== null && solved.level === finest ? trustSelfSimilarRings(finest, solved, smoothWeights) : smoothWeights;
      blendSmoothHoles(finest, diffused, weights);
    }
    if (diffused !== null && thinWeights !== null) blendThinParts(finest, diffused, thinWeights);
  }
  for (let pixel = 0; pixel < width * height; pixel += 1) {
    if (mask[pixel] === 0) continue;
    output[pixel * 4] = toByte(finest.color[pixel * 3]);
    output[pixel * 4 + 1] = toByte(finest.color[pixel * 3 + 1]);
    output[pixel * 4 + 2] = toByte(finest.color[pixel * 3 + 2]);
    output[pixel * 4 + 3] = 255;
  }
  return output;
}

interface SolvedLevel {
  readonly level: FillLevel;
  readonly geometry: PatchGeometry;
  readonly field: NearestNeighbourField;
}

function completeLevels(levels: FillLevel[], random: RandomSource, input: PatchFillInput): SolvedLevel | null {
  const exclusion = createSourceExclusion(random);
  const threads = input.threads ?? DEFAULT_THREADS;
  const deadlineAtMs = input.deadlineAtMs ?? Infinity;
  const partialImages = Math.min(input.partialImages ?? 0, levels.length - 1);
  let partialIndex = 0;
  let previous: SolvedLevel | null = null;
  for (let levelIndex = levels.length - 1; levelIndex >= 0; levelIndex -= 1) {
    const level = levels[levelIndex];
    const geometry = createPatchGeometry(level, PATCH_RADIUS, exclusion);
    if (geometry === null) {
      // No known pixel at this scale (the hole swallowed it): start from the next finer level.
      continue;
    }
    let field: NearestNeighbourField;
    if (previous === null) {
      initialiseHoleByDiffusion(level);
      field = randomField(geometry, random);
    } else {
      field = upsampleField(previous, { level, geometry }, random);
    }
    // Boundary weights from the second level on: at the coarsest every match is a first guess, and
    // where few clean sources exist the border's forced mismatches would outvote the rest.
    const helper = (typeof threads === 'function' ? threads() : threads) > 1 ? kernelHelperThread() : null;
    const kernel = openLevelKernel(level, geometry, field, previous === null ? null : voteConfidence(level, geometry), helper);
    try {
      if (previous !== null) kernel.votePatches(true);
      kernel.computeDistances();
      const { em, passes } = iterationsForLevel(level, levelIndex, levels.length);
      for (let iteration = 0; iteration < em && (iteration === 0 || Date.now() < deadlineAtMs); iteration += 1) {
        kernel.improveField(passes, iteration % 2 === 0, LOCALITY_WEIGHT, randomInteger(random, 0, 0xffffffff));
        kernel.votePatches(false);
        kernel.computeDistances();
      }
      if (levelIndex === 0) kernel.votePatchesSharp();
    } catch (error) {
      kernel.abandon();
      throw error;
    }
    kernel.finish();
    previous = { level, geometry, field };
    if (levelIndex > 0 && levelIndex <= partialImages && input.onPartialImage !== undefined) {
      input.onPartialImage(composePartial(input, level), partialIndex);
      partialIndex += 1;
    }
  }
  return previous;
}

/** The input with its hole painted from a coarse level's colours, bilinearly upscaled. */
function composePartial(input: PatchFillInput, level: FillLevel): Uint8Array {
  const { rgba, mask, width, height } = input;
  const output = new Uint8Array(rgba);
  const scaleX = level.width / width;
  const scaleY = level.height / height;
  for (let y = 0; y < height; y += 1) {
    const sourceY = Math.min(level.height - 1, Math.max(0, (y + 0.5) * scaleY - 0.5));
    const top = Math.floor(sourceY);
    const bottom = Math.min(level.height - 1, top + 1);
    const fractionY = sourceY - top;
    for (let x = 0; x < width; x += 1) {
      const pixel = y * width + x;
      if (mask[pixel] === 0) continue;
      const sourceX = Math.min(level.width - 1, Math.max(0, (x + 0.5) * scaleX - 0.5));
      const left = Math.floor(sourceX);
      const right = Math.min(level.width - 1, left + 1);
      const fractionX = sourceX - left;
      for (let channel = 0; channel < 3; channel += 1) {
        const at = (column: number, row: number) => level.color[(row * level.width + column) * 3 + channel];
        const upper = at(left, top) * (1 - fractionX) + at(right, top) * fractionX;
        const lower = at(left, bottom) * (1 - fractionX) + at(right, bottom) * fractionX;
        output[pixel * 4 + channel] = toByte(upper * (1 - fractionY) + lower * fractionY);
      }
      output[pixel * 4 + 3] = 255;
    }
  }
  return output;
}

function toByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}

/**
 * `patchFill`: multi-scale, patch-based image completion (Wexler, Shechtman & Irani 2007 with
 * PatchMatch as the search, as in Photoshop's Content-Aware Fill). The hole is filled with
 * content taken from the known part of the same image so the edit continues its textures.
 *
 * Coarse to fine: the coarsest level's hole starts from diffusion of its boundary; each level
 * then alternates PatchMatch (improve the nearest-neighbour field) and voting (rebuild the hole
 * from the matched patches); the field is upsampled to seed the next finer level.
 */
import {
  buildPyramid,
  createFinestLevel,
  initialiseHoleByDiffusion,
  type FillLevel,
} from './fill-pyramid.ts';
import {
  computeDistances,
  createPatchGeometry,
  createSourceExclusion,
  randomField,
  upsampleField,
  type NearestNeighbourField,
  type PatchGeometry,
} from './nearest-neighbour-field.ts';
import { improveField } from './patch-match.ts';
import { votePatches } from './patch-voting.ts';
import { fillWithSeededTexture } from './seeded-texture.ts';
import { createSeededRandom, type RandomSource } from './seeded-random.ts';

export interface PatchFillInput {
  /** RGBA pixels, row-major. Not modified. */
  readonly rgba: Uint8Array;
  /** One byte per pixel: 1 = fill. */
  readonly mask: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly seed: number;
}

/** 7×7 patches. */
const PATCH_RADIUS = 3;

/** EM iterations (each: PatchMatch passes, then a vote) per level, coarsest level first. */
function iterationsForLevel(levelIndex: number, levelCount: number): { em: number; passes: number } {
  if (levelIndex === levelCount - 1) return { em: 8, passes: 2 };
  if (levelIndex === 0) return { em: 3, passes: 1 };
  return { em: 5, passes: 2 };
}

/**
 * Returns new RGBA pixels: unmasked pixels are copied bit-exact, filled pixels are opaque.
 * The same input and seed always give the same bytes.
 */
export function patchFill(input: PatchFillInput): Uint8Array {
  const { rgba, mask, width, height, seed } = input;
  const output = new Uint8Array(rgba);
  if (!mask.includes(1)) return output;
  const random = createSeededRandom(seed);
  const finest = createFinestLevel(rgba, mask, width, height);
  if (!mask.includes(0)) {
    fillWithSeededTexture(finest, random);
  } else {
    completeLevels(buildPyramid(finest), random);
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

function completeLevels(levels: FillLevel[], random: RandomSource): void {
  const exclusion = createSourceExclusion(random);
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
      votePatches(level, geometry, field, true);
    }
    computeDistances(level, geometry, field);
    const { em, passes } = iterationsForLevel(levelIndex, levels.length);
    for (let iteration = 0; iteration < em; iteration += 1) {
      improveField(level, geometry, field, random, passes, iteration % 2 === 0);
      votePatches(level, geometry, field);
      computeDistances(level, geometry, field);
    }
    previous = { level, geometry, field };
  }
}

function toByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}

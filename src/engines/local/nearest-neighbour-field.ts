/**
 * The nearest-neighbour field (NNF) of PatchMatch (Barnes et al., SIGGRAPH 2009): for every
 * target patch — a patch whose window overlaps the hole — the centre of a source patch whose
 * whole window lies inside the image and in the known region, with the patches' distance.
 */
import type { FillLevel } from './fill-pyramid.ts';
import { randomInteger, type RandomSource } from '../../images/seeded-random.ts';
import { dilateMask } from './dilate-mask.ts';

export interface PatchGeometry {
  /** Patch half-size: windows are (2r+1)². */
  readonly radius: number;
  /** Target patch centres (pixel indices), in scan order. */
  readonly targets: Int32Array;
  /** Pixel index → index into `targets`, or -1. */
  readonly targetIndexOf: Int32Array;
  /** Pixel index → 1 when a source patch may be centred there. */
  readonly validSource: Uint8Array;
  /** The valid source centres, for random sampling. */
  readonly sources: Int32Array;
}

export interface NearestNeighbourField {
  /** Per target: the source centre's pixel index. */
  readonly source: Int32Array;
  /** Per target: sum of squared RGB differences over the target's in-image window. */
  readonly distance: Float32Array;
}

/**
 * Source regions a seed leaves out: a grid of blocks over the image (same blocks at every
 * level), each excluded with some probability. Different seeds thereby draw on different
 * parts of the image and give different plausible fills, where an unconstrained search would
 * converge to the same one.
 */
export interface SourceExclusion {
  readonly gridSize: number;
  /** gridSize² flags, row-major: 1 = no source patch centred in this block. */
  readonly excluded: Uint8Array;
}

export function createSourceExclusion(random: RandomSource, gridSize = 10, probability = 0.3): SourceExclusion {
  const excluded = new Uint8Array(gridSize * gridSize);
  for (let block = 0; block < excluded.length; block += 1) excluded[block] = random() < probability ? 1 : 0;
  return { gridSize, excluded };
}

/**
 * Targets are the hole dilated by the patch radius; valid sources are every other pixel whose
 * window fits in the image, outside the excluded blocks. Tries radius `preferredRadius` down to
 * 0 (and, at each radius, without the exclusion) until a source exists, so tiny images and huge
 * holes still get a fill; returns null when the level has no known pixel.
 */
export function createPatchGeometry(
  level: FillLevel,
  preferredRadius: number,
  exclusion: SourceExclusion | null = null,
): PatchGeometry | null {
  for (let radius = preferredRadius; radius >= 0; radius -= 1) {
    for (const tried of exclusion === null ? [null] : [exclusion, null]) {
      const geometry = patchGeometryForRadius(level, radius, tried);
      if (geometry.sources.length > 0) return geometry;
    }
  }
  return null;
}

/** Per column (or row) of the level, the exclusion grid's column (or row) it falls in. */
function exclusionCells(length: number, gridSize: number): Int32Array {
  return Int32Array.from({ length }, (_, position) => Math.floor((position * gridSize) / length));
}

function patchGeometryForRadius(level: FillLevel, radius: number, exclusion: SourceExclusion | null): PatchGeometry {
  const { width, height } = level;
  const dilated = dilateMask(level.hole, width, height, radius);
  const targetIndexOf = new Int32Array(width * height).fill(-1);
  const validSource = new Uint8Array(width * height);
  let targetCount = 0;
  let sourceCount = 0;
  const columnCell = exclusion === null ? null : exclusionCells(width, exclusion.gridSize);
  const rowCell = exclusion === null ? null : exclusionCells(height, exclusion.gridSize);
  for (let y = 0; y < height; y += 1) {
    const insideRows = y >= radius && y < height - radius;
    const gridRow = rowCell === null || exclusion === null ? 0 : rowCell[y] * exclusion.gridSize;
    for (let x = 0; x < width; x += 1) {
      const pixel = y * width + x;
      if (dilated[pixel] === 1) {
        targetIndexOf[pixel] = targetCount;
        targetCount += 1;
      } else if (
        insideRows && x >= radius && x < width - radius &&
        (exclusion === null || columnCell === null || exclusion.excluded[gridRow + columnCell[x]] === 0)
      ) {
        validSource[pixel] = 1;
        sourceCount += 1;
      }
    }
  }
  // Exact-size lists (a full-size buffer sliced would double their peak memory on large images).
  const targets = new Int32Array(targetCount);
  const sources = new Int32Array(sourceCount);
  for (let pixel = 0, nextTarget = 0, nextSource = 0; pixel < width * height; pixel += 1) {
    if (targetIndexOf[pixel] >= 0) targets[nextTarget++] = pixel;
    else if (validSource[pixel] === 1) sources[nextSource++] = pixel;
  }
  return { radius, targets, targetIndexOf, validSource, sources };
}

export function randomField(geometry: PatchGeometry, random: RandomSource): NearestNeighbourField {
  const source = new Int32Array(geometry.targets.length);
  for (let index = 0; index < source.length; index += 1) {
    source[index] = geometry.sources[randomInteger(random, 0, geometry.sources.length - 1)];
  }
  return { source, distance: new Float32Array(source.length) };
}

/**
 * Maps a coarse level's field onto the finer level: the fine target (x, y) takes its coarse
 * parent's source, scaled by two, plus the same sub-pixel offset. Sources that fall outside the
 * fine level's valid set are replaced at random.
 */
export function upsampleField(
  coarse: { level: FillLevel; geometry: PatchGeometry; field: NearestNeighbourField },
  fine: { level: FillLevel; geometry: PatchGeometry },
  random: RandomSource,
): NearestNeighbourField {
  const fineWidth = fine.level.width;
  const coarseWidth = coarse.level.width;
  const { targets, validSource, sources } = fine.geometry;
  const source = new Int32Array(targets.length);
  for (let index = 0; index < targets.length; index += 1) {
    const x = targets[index] % fineWidth;
    const y = (targets[index] - x) / fineWidth;
    const parentX = Math.min(x >> 1, coarseWidth - 1);
    const parentY = Math.min(y >> 1, coarse.level.height - 1);
    const parentIndex = coarse.geometry.targetIndexOf[parentY * coarseWidth + parentX];
    let candidate = -1;
    if (parentIndex >= 0) {
      const parentSource = coarse.field.source[parentIndex];
      const sourceX = 2 * (parentSource % coarseWidth) + (x & 1);
      const sourceY = 2 * Math.floor(parentSource / coarseWidth) + (y & 1);
      if (sourceX < fineWidth && sourceY < fine.level.height) candidate = sourceY * fineWidth + sourceX;
    }
    source[index] = candidate >= 0 && validSource[candidate] === 1 ? candidate : sources[randomInteger(random, 0, sources.length - 1)];
  }
  return { source, distance: new Float32Array(targets.length) };
}

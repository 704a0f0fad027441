/**
 * AssemblyScript source of the patch fill's inner loops, compiled to WebAssembly (SIMD, shared
 * memory) by `npm run build:wasm` into build/patch-kernels.wasm; `../patch-kernels.ts` is the
 * only host-side user. An instance works on one pyramid level whose buffers the host lays out
 * in the imported memory and announces with `setLevel`; nothing here allocates.
 *
 * Every step works on one of two fixed parts — targets [0, split) or [split, count), pixels
 * [0, half) or [half, count) — so two threads, each with its own instance on the same memory,
 * can run the two parts at once, and one thread running both in turn computes the same bytes:
 * a part reads only what the other part does not write during that step.
 *
 * - `improveField`: PatchMatch (Barnes et al. 2009): propagation (from neighbours of the same
 *   part) and random search passes with a spatial locality cost, on 7×7 patches compared with
 *   128-bit SIMD over 8-bit RGBA.
 * - `computeDistances`: every target's distance to its current match.
 * - `measureVotes`, `scatterVotes`, `resolveVotes`: Wexler et al. 2007's EM vote — each hole
 *   pixel becomes the average of what the overlapping patches' matches put there, weighted by
 *   match similarity and by the target's confidence (its closeness to the known border, from
 *   the host). Each part accumulates its targets' votes in its own buffer; resolving adds the
 *   two buffers in a fixed order.
 * - `scatterSharp`, `resolveSharp`: the finest level's last step, one best patch per pixel.
 * - `loadColors`, `storeColors`: the host's RGB floats in and out, in place in `color`.
 *
 * Buffers (the host's layout, see patch-kernels.ts):
 *   rgba        u8  × 4 per pixel (+32 bytes of padding): colours for the distances, alpha 0
 *   color       f32 × 4 per pixel (RGB, then 1): the level's colours, hole pixels hold the
 *               estimate
 *   hole        u8  per pixel, 1 = to fill
 *   targets     i32 per target: pixel index of each target patch centre
 *   targetIndex i32 per pixel: index into targets, or -1
 *   validSource u8  per pixel: 1 = a source patch may be centred there
 *   source      i32 per target: the field (source centre of each target's match)
 *   distance    f32 per target: squared RGB distance of that match
 *   confidence  f32 per target: vote weight from the target's place in the hole
 *   weights     f32 per target: scratch
 *   totals      f64 × 2: scratch (each part's sum of per-pixel distances)
 *   accumulated f32 × 4 per pixel of each part's rows (the rows its targets' windows cover,
 *               given by the host), part 0's then part 1's: scratch
 */

let width: i32 = 0;
let height: i32 = 0;
let radius: i32 = 3;
let targetCount: i32 = 0;
let rgbaAt: usize = 0;
let colorAt: usize = 0;
let holeAt: usize = 0;
let targetsAt: usize = 0;
let targetIndexAt: usize = 0;
let validSourceAt: usize = 0;
let sourceAt: usize = 0;
let distanceAt: usize = 0;
let confidenceAt: usize = 0;
let weightsAt: usize = 0;
let totalsAt: usize = 0;
let accumulatedAt: usize = 0;
/** Pixel ranges (whole rows) each part's accumulator covers: [first, end). */
let accumulatedFirst0: i32 = 0;
let accumulatedEnd0: i32 = 0;
let accumulatedFirst1: i32 = 0;
let accumulatedEnd1: i32 = 0;
let targetSplit: i32 = 0;
let randomState: u32 = 0;

/** Where the host may start laying out buffers (after this module's static data). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** Per-pixel squared RGB distance (≈ 3 levels per channel) below which vote weights stop narrowing. */
const MIN_TWO_SIGMA_SQUARED: f64 = 30;

export function setLevel(
  levelWidth: i32, levelHeight: i32, patchRadius: i32, levelTargetCount: i32,
  rgba: usize, color: usize, hole: usize, targets: usize, targetIndex: usize, validSource: usize,
  source: usize, distance: usize, confidence: usize, weights: usize, totals: usize, accumulated: usize,
  firstAccumulated0: i32, endAccumulated0: i32, firstAccumulated1: i32, endAccumulated1: i32,
): void {
  width = levelWidth;
  height = levelHeight;
  radius = patchRadius;
  targetCount = levelTargetCount;
  rgbaAt = rgba;
  colorAt = color;
  holeAt = hole;
  targetsAt = targets;
  targetIndexAt = targetIndex;
  validSourceAt = validSource;
  sourceAt = source;
  distanceAt = distance;
  confidenceAt = confidence;
  weightsAt = weights;
  totalsAt = totals;
  accumulatedAt = accumulated;
  accumulatedFirst0 = firstAccumulated0;
  accumulatedEnd0 = endAccumulated0;
  accumulatedFirst1 = firstAccumulated1;
  accumulatedEnd1 = endAccumulated1;
  targetSplit = levelTargetCount >> 1;
}

@inline function firstTarget(part: i32): i32 { return part == 0 ? 0 : targetSplit; }
@inline function endTarget(part: i32): i32 { return part == 0 ? targetSplit : targetCount; }
@inline function firstPixel(part: i32): i32 { return part == 0 ? 0 : (width * height) >> 1; }
@inline function endPixel(part: i32): i32 { return part == 0 ? (width * height) >> 1 : width * height; }
@inline function accumulatedFirst(part: i32): i32 { return part == 0 ? accumulatedFirst0 : accumulatedFirst1; }
@inline function accumulatedEnd(part: i32): i32 { return part == 0 ? accumulatedEnd0 : accumulatedEnd1; }
/**
 * The address of pixel 0's slot in the part's accumulator, so that pixel p's slot is this plus
 * p × 16 (wrapping arithmetic; only pixels in the part's range are ever addressed).
 */
@inline function accumulatedOrigin(part: i32): usize {
  const base = part == 0 ? accumulatedAt : accumulatedAt + (<usize>(accumulatedEnd0 - accumulatedFirst0) << 4);
  return base - (<usize>accumulatedFirst(part) << 4);
}
@inline function accumulatedSlot(part: i32, pixel: i32): usize { return accumulatedOrigin(part) + (<usize>pixel << 4); }
@inline function inAccumulated(part: i32, pixel: i32): bool { return pixel >= accumulatedFirst(part) && pixel < accumulatedEnd(part); }

/**
 * The host's RGB floats (3 per pixel, at the start of `color`) become `color` (4 per pixel) and
 * `rgba`, expanded in place from the last pixel, which never overwrites one not yet read.
 */
export function loadColors(): void {
  for (let pixel = width * height - 1; pixel >= 0; pixel--) {
    const from = colorAt + <usize>pixel * 12;
    setColor(pixel, load<f32>(from), load<f32>(from, 4), load<f32>(from, 8));
  }
}

/** `color` back to RGB floats (3 per pixel) at its own start, compacted in place from the first pixel. */
export function storeColors(): void {
  for (let pixel = 0; pixel < width * height; pixel++) {
    const from = colorAt + (<usize>pixel << 4);
    const to = colorAt + <usize>pixel * 12;
    store<f32>(to, load<f32>(from));
    store<f32>(to, load<f32>(from, 4), 4);
    store<f32>(to, load<f32>(from, 8), 8);
  }
}

@inline function targetAt(index: i32): i32 { return load<i32>(targetsAt + (<usize>index << 2)); }
@inline function sourceOf(index: i32): i32 { return load<i32>(sourceAt + (<usize>index << 2)); }
@inline function distanceOf(index: i32): f32 { return load<f32>(distanceAt + (<usize>index << 2)); }
@inline function targetIndexOf(pixel: i32): i32 { return load<i32>(targetIndexAt + (<usize>pixel << 2)); }
@inline function isValidSource(pixel: i32): bool { return load<u8>(validSourceAt + <usize>pixel) == 1; }
@inline function isHole(pixel: i32): bool { return load<u8>(holeAt + <usize>pixel) == 1; }

/** mulberry32, as in src/images/seeded-random.ts: floats in [0, 1). */
function nextRandom(): f64 {
  randomState += 0x6d2b79f5;
  let mixed = randomState;
  mixed = (mixed ^ (mixed >>> 15)) * (mixed | 1);
  mixed ^= mixed + (mixed ^ (mixed >>> 7)) * (mixed | 61);
  return <f64>(mixed ^ (mixed >>> 14)) / 4294967296.0;
}

/** Squared differences of one 7-pixel row (bytes 28–31 of the second load are masked out). */
@inline function rowDistance7(target: usize, source: usize): v128 {
  const lastPixelMask = i32x4(-1, -1, -1, 0);
  const targetLow = v128.load(target);
  const sourceLow = v128.load(source);
  const targetHigh = v128.and(v128.load(target, 16), lastPixelMask);
  const sourceHigh = v128.and(v128.load(source, 16), lastPixelMask);
  const low = i8x16.sub(i8x16.max_u(targetLow, sourceLow), i8x16.min_u(targetLow, sourceLow));
  const high = i8x16.sub(i8x16.max_u(targetHigh, sourceHigh), i8x16.min_u(targetHigh, sourceHigh));
  let sum = i32x4.extadd_pairwise_i16x8_u(i16x8.extmul_low_i8x16_u(low, low));
  sum = i32x4.add(sum, i32x4.extadd_pairwise_i16x8_u(i16x8.extmul_high_i8x16_u(low, low)));
  sum = i32x4.add(sum, i32x4.extadd_pairwise_i16x8_u(i16x8.extmul_low_i8x16_u(high, high)));
  return i32x4.add(sum, i32x4.extadd_pairwise_i16x8_u(i16x8.extmul_high_i8x16_u(high, high)));
}

@inline function horizontalSum(vector: v128): i32 {
  return i32x4.extract_lane(vector, 0) + i32x4.extract_lane(vector, 1) + i32x4.extract_lane(vector, 2) + i32x4.extract_lane(vector, 3);
}

/**
 * Squared RGB distance between the target window at `target` (clipped to the image) and the
 * source window at `source` (always inside it); may stop early once at least `limit`.
 */
function patchDistance(target: i32, source: i32, limit: i32): i32 {
  const targetX = target % width;
  const targetY = target / width;
  const firstY = max(0, targetY - radius);
  const lastY = min(height - 1, targetY + radius);
  if (radius == 3 && targetX >= 3 && targetX < width - 3) {
    const stride = <usize>width << 2;
    let targetRow = rgbaAt + (<usize>(firstY * width + targetX - 3) << 2);
    let sourceRow = targetRow + (<isize>(source - target) << 2);
    let sum = i32x4.splat(0);
    for (let y = firstY; y <= lastY; y++) {
      sum = i32x4.add(sum, rowDistance7(targetRow, sourceRow));
      targetRow += stride;
      sourceRow += stride;
      if (y - firstY == 3 && horizontalSum(sum) >= limit) break;
    }
    return horizontalSum(sum);
  }
  const firstX = max(0, targetX - radius);
  const lastX = min(width - 1, targetX + radius);
  const offset = <isize>(source - target) << 2;
  let sum: i32 = 0;
  for (let y = firstY; y <= lastY; y++) {
    for (let x = firstX; x <= lastX; x++) {
      const at = rgbaAt + (<usize>(y * width + x) << 2);
      const red = <i32>load<u8>(at) - <i32>load<u8>(at + offset);
      const green = <i32>load<u8>(at, 1) - <i32>load<u8>(at + offset, 1);
      const blue = <i32>load<u8>(at, 2) - <i32>load<u8>(at + offset, 2);
      sum += red * red + green * green + blue * blue;
    }
    if (sum >= limit) return sum;
  }
  return sum;
}

export function computeDistances(part: i32): void {
  for (let index = firstTarget(part); index < endTarget(part); index++) {
    store<f32>(distanceAt + (<usize>index << 2), <f32>patchDistance(targetAt(index), sourceOf(index), i32.MAX_VALUE));
  }
}

@inline function offsetPenalty(source: i32, targetX: i32, targetY: i32, penaltyScale: f64): f64 {
  const sourceX = source % width;
  const offsetX = <f64>(sourceX - targetX);
  const offsetY = <f64>(source / width - targetY);
  return penaltyScale * (offsetX * offsetX + offsetY * offsetY);
}

let bestSource: i32 = 0;
let bestTotal: f64 = 0;
let bestPure: f64 = 0;

/** Tries `candidate` for the target at (targetX, targetY); keeps it when its distance plus locality cost is lower. */
@inline function tryCandidate(target: i32, targetX: i32, targetY: i32, candidate: i32, penaltyScale: f64): void {
  if (candidate == bestSource || !isValidSource(candidate)) return;
  const extra = offsetPenalty(candidate, targetX, targetY, penaltyScale);
  if (extra >= bestTotal) return;
  const room = bestTotal - extra;
  const limit = room >= <f64>i32.MAX_VALUE ? i32.MAX_VALUE : <i32>Math.ceil(room);
  const distance = <f64>patchDistance(target, candidate, limit);
  if (distance + extra < bestTotal) {
    bestSource = candidate;
    bestTotal = distance + extra;
    bestPure = distance;
  }
}

/**
 * `passes` alternating scan-order passes (the first forward when `firstPassForward`) of
 * propagation and random search over the part's targets. `penaltyScale`: locality cost per
 * squared pixel of offset. `seed` seeds this call's random search (each part its own sequence).
 */
export function improveField(part: i32, passes: i32, firstPassForward: bool, penaltyScale: f64, seed: u32): void {
  randomState = seed + <u32>part * 0x9e3779b9;
  const pixelCount = width * height;
  const first = firstTarget(part);
  const end = endTarget(part);
  for (let pass = 0; pass < passes; pass++) {
    const forward = (pass % 2 == 0) == firstPassForward;
    const step = forward ? 1 : -1;
    for (let counter = first; counter < end; counter++) {
      const index = forward ? counter : end - 1 - (counter - first);
      const target = targetAt(index);
      const targetX = target % width;
      const targetY = target / width;
      bestSource = sourceOf(index);
      bestPure = <f64>distanceOf(index);
      bestTotal = bestPure + offsetPenalty(bestSource, targetX, targetY, penaltyScale);

      // Propagation: the left/upper neighbour's match shifted right/down (reversed backwards).
      if (forward ? targetX > 0 : targetX < width - 1) {
        const neighbourIndex = targetIndexOf(target - step);
        if (neighbourIndex >= first && neighbourIndex < end) {
          const candidate = sourceOf(neighbourIndex) + step;
          const candidateX = candidate % width;
          if (candidateX >= radius && candidateX < width - radius) tryCandidate(target, targetX, targetY, candidate, penaltyScale);
        }
      }
      const vertical = target - step * width;
      if (vertical >= 0 && vertical < pixelCount) {
        const neighbourIndex = targetIndexOf(vertical);
        if (neighbourIndex >= first && neighbourIndex < end) {
          const candidate = sourceOf(neighbourIndex) + step * width;
          if (candidate >= 0 && candidate < pixelCount) tryCandidate(target, targetX, targetY, candidate, penaltyScale);
        }
      }

      // Random search around the current best, the window halving from the whole level to one pixel.
      for (let searchRadius = max(width, height); searchRadius >= 1; searchRadius >>= 1) {
        const bestX = bestSource % width;
        const bestY = bestSource / width;
        const span = <f64>(2 * searchRadius + 1);
        const x = clamp(bestX + <i32>Math.floor(nextRandom() * span) - searchRadius, radius, width - 1 - radius);
        const y = clamp(bestY + <i32>Math.floor(nextRandom() * span) - searchRadius, radius, height - 1 - radius);
        tryCandidate(target, targetX, targetY, y * width + x, penaltyScale);
      }

      store<i32>(sourceAt + (<usize>index << 2), bestSource);
      store<f32>(distanceAt + (<usize>index << 2), <f32>bestPure);
    }
  }
}

@inline function clamp(value: i32, low: i32, high: i32): i32 {
  return value < low ? low : value > high ? high : value;
}

@inline function windowPixels(target: i32): i32 {
  const x = target % width;
  const y = target / width;
  return (min(width - 1, x + radius) - max(0, x - radius) + 1) * (min(height - 1, y + radius) - max(0, y - radius) + 1);
}

/** Each target's per-pixel mean squared distance (into `weights`) and the part's sum of them. */
export function measureVotes(part: i32): void {
  let total: f64 = 0;
  for (let index = firstTarget(part); index < endTarget(part); index++) {
    const perPixel = <f64>distanceOf(index) / <f64>windowPixels(targetAt(index));
    store<f32>(weightsAt + (<usize>index << 2), <f32>perPixel);
    total += perPixel;
  }
  store<f64>(totalsAt + (<usize>part << 3), total);
}

/**
 * The part's votes into its own accumulator. Weights: confidence × exp(-d / 2σ²), d from
 * `measureVotes` and 2σ² the mean d over all targets (floored); with `uniform`, confidence
 * alone (distances are stale right after the field is upsampled). The similarity is floored so
 * a poor target still votes where it is the only one.
 */
export function scatterVotes(part: i32, uniform: bool): void {
  const meanDistance = (load<f64>(totalsAt) + load<f64>(totalsAt, 8)) / <f64>max(targetCount, 1);
  const twoSigmaSquared = max(meanDistance, MIN_TWO_SIGMA_SQUARED);
  const origin = accumulatedOrigin(part);
  memory.fill(origin + (<usize>accumulatedFirst(part) << 4), 0, <usize>(accumulatedEnd(part) - accumulatedFirst(part)) << 4);
  for (let index = firstTarget(part); index < endTarget(part); index++) {
    const target = targetAt(index);
    const similarity = uniform ? 1.0 : max(Math.exp(-<f64>load<f32>(weightsAt + (<usize>index << 2)) / twoSigmaSquared), 1e-6);
    const weight = <f32>(<f64>load<f32>(confidenceAt + (<usize>index << 2)) * similarity);
    // Every colour's fourth lane is 1, so the fourth sum is the weight sum.
    const weights = f32x4(weight, weight, weight, weight);
    const offset = sourceOf(index) - target;
    const targetX = target % width;
    const targetY = target / width;
    const firstX = max(0, targetX - radius);
    const lastX = min(width - 1, targetX + radius);
    const lastY = min(height - 1, targetY + radius);
    for (let y = max(0, targetY - radius); y <= lastY; y++) {
      const rowEnd = y * width + lastX;
      for (let pixel = y * width + firstX; pixel <= rowEnd; pixel++) {
        if (!isHole(pixel)) continue;
        const to = origin + (<usize>pixel << 4);
        v128.store(to, f32x4.add(v128.load(to), f32x4.mul(v128.load(colorAt + (<usize>(pixel + offset) << 4)), weights)));
      }
    }
  }
}

/** The part's hole pixels become the sum of both accumulators' votes over their weight. */
export function resolveVotes(part: i32): void {
  for (let pixel = firstPixel(part); pixel < endPixel(part); pixel++) {
    if (!isHole(pixel)) continue;
    let sum = f32x4.splat(0);
    if (inAccumulated(0, pixel)) sum = f32x4.add(sum, v128.load(accumulatedSlot(0, pixel)));
    if (inAccumulated(1, pixel)) sum = f32x4.add(sum, v128.load(accumulatedSlot(1, pixel)));
    const weight = f32x4.extract_lane(sum, 3);
    if (weight == 0) continue;
    setColor(pixel, f32x4.extract_lane(sum, 0) / weight, f32x4.extract_lane(sum, 1) / weight, f32x4.extract_lane(sum, 2) / weight);
  }
}

/** Writes a pixel's colour to both the float colours and the 8-bit copy the distances read. */
@inline function setColor(pixel: i32, red: f32, green: f32, blue: f32): void {
  v128.store(colorAt + (<usize>pixel << 4), f32x4(red, green, blue, 1));
  const byteAt = rgbaAt + (<usize>pixel << 2);
  store<u8>(byteAt, toByte(red));
  store<u8>(byteAt, toByte(green), 1);
  store<u8>(byteAt, toByte(blue), 2);
  store<u8>(byteAt, 0, 3);
}

@inline function toByte(value: f32): u8 {
  return value <= 0 ? 0 : value >= 255 ? 255 : <u8>(<i32>(value + 0.5));
}

/**
 * For the sharp finest reconstruction: per pixel, the lowest mean squared distance per pixel of
 * the part's targets covering it and the pixel that target's match puts there. Averaging
 * overlapping patches that disagree by a few pixels blurs the texture (Newson et al. 2014 use
 * the same final step).
 */
export function scatterSharp(part: i32): void {
  const origin = accumulatedOrigin(part);
  for (let pixel = accumulatedFirst(part); pixel < accumulatedEnd(part); pixel++) {
    const at = origin + (<usize>pixel << 4);
    store<f32>(at, f32.MAX_VALUE);
    store<i32>(at, -1, 4);
  }
  for (let index = firstTarget(part); index < endTarget(part); index++) {
    const target = targetAt(index);
    const offset = sourceOf(index) - target;
    const score = distanceOf(index) / <f32>windowPixels(target);
    const targetX = target % width;
    const targetY = target / width;
    const firstX = max(0, targetX - radius);
    const lastX = min(width - 1, targetX + radius);
    const lastY = min(height - 1, targetY + radius);
    for (let y = max(0, targetY - radius); y <= lastY; y++) {
      const rowEnd = y * width + lastX;
      for (let pixel = y * width + firstX; pixel <= rowEnd; pixel++) {
        if (!isHole(pixel)) continue;
        const at = origin + (<usize>pixel << 4);
        if (score >= load<f32>(at)) continue;
        store<f32>(at, score);
        store<i32>(at, pixel + offset, 4);
      }
    }
  }
}

/** The part's hole pixels copy the colour of the better of the two parts' best patches (the first part's on a tie). */
export function resolveSharp(part: i32): void {
  for (let pixel = firstPixel(part); pixel < endPixel(part); pixel++) {
    if (!isHole(pixel)) continue;
    let from = -1;
    let best = f32.MAX_VALUE;
    for (let candidatePart = 0; candidatePart < 2; candidatePart++) {
      if (!inAccumulated(candidatePart, pixel)) continue;
      const at = accumulatedSlot(candidatePart, pixel);
      const candidate = load<i32>(at, 4);
      // Strictly better only: the first part's wins a tie, as its targets come first in scan order.
      if (candidate >= 0 && (from < 0 || load<f32>(at) < best)) {
        from = candidate;
        best = load<f32>(at);
      }
    }
    if (from < 0) continue;
    const color = colorAt + (<usize>from << 4);
    setColor(pixel, load<f32>(color), load<f32>(color, 4), load<f32>(color, 8));
  }
}

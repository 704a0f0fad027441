/**
 * `membraneFill`: a smooth (harmonic) interpolation of fixed values into a region, solved
 * coarse to fine — the region's coarsest level is filled by onion peeling from the fixed
 * pixels, then each finer level starts from the coarser solution and relaxes with a few
 * Gauss–Seidel sweeps. The diffusion the engine uses for thin holes (where it beats patch
 * copying) and to spread the border mismatch of a patch fill into the hole (seam removal,
 * as in Poisson image editing).
 */

/** Per pixel: outside the problem (ignored), to solve, or fixed (a boundary value). */
export const OUTSIDE = 0;
export const SOLVE = 1;
export const FIXED = 2;

export interface MembraneProblem {
  readonly width: number;
  readonly height: number;
  /** `channels` floats per pixel: the fixed values; overwritten with the solution where `state` is SOLVE. */
  readonly values: Float32Array;
  readonly channels: number;
  readonly state: Uint8Array;
}

const SWEEPS_PER_LEVEL = 6;
const FINEST_SWEEPS = 10;
const COARSEST_SIDE = 8;

export function membraneFill(problem: MembraneProblem): void {
  const levels = [problem];
  while (Math.min(levels[levels.length - 1].width, levels[levels.length - 1].height) > COARSEST_SIDE) {
    const next = downsample(levels[levels.length - 1]);
    if (!next.state.includes(SOLVE)) break;
    levels.push(next);
  }
  onionPeel(levels[levels.length - 1]);
  for (let index = levels.length - 2; index >= 0; index -= 1) {
    upsampleInto(levels[index + 1], levels[index]);
    relax(levels[index], index === 0 ? FINEST_SWEEPS : SWEEPS_PER_LEVEL);
  }
}

function downsample(fine: MembraneProblem): MembraneProblem {
  const width = Math.ceil(fine.width / 2);
  const height = Math.ceil(fine.height / 2);
  const { channels } = fine;
  const values = new Float32Array(width * height * channels);
  const state = new Uint8Array(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let fixed = 0;
      let solve = 0;
      const coarse = y * width + x;
      for (let childY = 2 * y; childY < Math.min(2 * y + 2, fine.height); childY += 1) {
        for (let childX = 2 * x; childX < Math.min(2 * x + 2, fine.width); childX += 1) {
          const child = childY * fine.width + childX;
          if (fine.state[child] === SOLVE) solve += 1;
          if (fine.state[child] !== FIXED) continue;
          fixed += 1;
          for (let channel = 0; channel < channels; channel += 1) values[coarse * channels + channel] += fine.values[child * channels + channel];
        }
      }
      if (fixed > 0) for (let channel = 0; channel < channels; channel += 1) values[coarse * channels + channel] /= fixed;
      state[coarse] = fixed > 0 ? FIXED : solve > 0 ? SOLVE : OUTSIDE;
    }
  }
  return { width, height, values, channels, state };
}

function upsampleInto(coarse: MembraneProblem, fine: MembraneProblem): void {
  const { channels } = fine;
  for (let y = 0; y < fine.height; y += 1) {
    for (let x = 0; x < fine.width; x += 1) {
      const pixel = y * fine.width + x;
      if (fine.state[pixel] !== SOLVE) continue;
      const parent = (y >> 1) * coarse.width + (x >> 1);
      for (let channel = 0; channel < channels; channel += 1) fine.values[pixel * channels + channel] = coarse.values[parent * channels + channel];
    }
  }
}

/** Each SOLVE pixel takes the mean of its in-problem 4-neighbours; forward then backward order. */
function relax(level: MembraneProblem, sweeps: number): void {
  const { width, height, values, channels, state } = level;
  const unknown: number[] = [];
  for (let pixel = 0; pixel < width * height; pixel += 1) if (state[pixel] === SOLVE) unknown.push(pixel);
  for (let sweep = 0; sweep < sweeps; sweep += 1) {
    for (let step = 0; step < unknown.length; step += 1) {
      const pixel = unknown[sweep % 2 === 0 ? step : unknown.length - 1 - step];
      const x = pixel % width;
      let count = 0;
      const neighbours = [x > 0 ? pixel - 1 : -1, x < width - 1 ? pixel + 1 : -1, pixel >= width ? pixel - width : -1, pixel < width * (height - 1) ? pixel + width : -1];
      for (const neighbour of neighbours) if (neighbour >= 0 && state[neighbour] !== OUTSIDE) count += 1;
      if (count === 0) continue;
      for (let channel = 0; channel < channels; channel += 1) {
        let sum = 0;
        for (const neighbour of neighbours) if (neighbour >= 0 && state[neighbour] !== OUTSIDE) sum += values[neighbour * channels + channel];
        values[pixel * channels + channel] = sum / count;
      }
    }
  }
}

/** Rings of SOLVE pixels take the mean of their already-known 8-neighbours, outward from the fixed pixels. */
function onionPeel(level: MembraneProblem): void {
  const { width, height, values, channels, state } = level;
  const known = new Uint8Array(state.length);
  for (let pixel = 0; pixel < state.length; pixel += 1) known[pixel] = state[pixel] === FIXED ? 1 : 0;
  let changed = true;
  while (changed) {
    changed = false;
    const ring: number[] = [];
    for (let pixel = 0; pixel < width * height; pixel += 1) {
      if (state[pixel] !== SOLVE || known[pixel] === 1) continue;
      const x = pixel % width;
      const y = (pixel - x) / width;
      let count = 0;
      const sums = new Float64Array(channels);
      for (let neighbourY = Math.max(0, y - 1); neighbourY <= Math.min(height - 1, y + 1); neighbourY += 1) {
        for (let neighbourX = Math.max(0, x - 1); neighbourX <= Math.min(width - 1, x + 1); neighbourX += 1) {
          const neighbour = neighbourY * width + neighbourX;
          if (known[neighbour] === 0) continue;
          count += 1;
          for (let channel = 0; channel < channels; channel += 1) sums[channel] += values[neighbour * channels + channel];
        }
      }
      if (count === 0) continue;
      ring.push(pixel);
      for (let channel = 0; channel < channels; channel += 1) values[pixel * channels + channel] = sums[channel] / count;
    }
    for (const pixel of ring) known[pixel] = 1;
    changed = ring.length > 0;
  }
}

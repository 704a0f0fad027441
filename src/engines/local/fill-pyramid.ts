/**
 * The image pyramid the patch fill works on, coarse to fine. Each level holds float RGB and the
 * hole (pixels to fill). Downsampling is mask-aware: a coarse pixel averages only its known
 * children, and is a hole if any child is, so known coarse pixels never mix in hole colours.
 */

export interface FillLevel {
  readonly width: number;
  readonly height: number;
  /** RGB per pixel, 0–255 floats; hole pixels hold the current estimate. */
  readonly color: Float32Array;
  /** 1 = hole (to fill), 0 = known. */
  readonly hole: Uint8Array;
}

/** Stop halving once the next level's shorter side would fall below this many pixels. */
const COARSEST_MIN_SIDE = 20;
const MAX_LEVELS = 8;

export function createFinestLevel(rgba: Uint8Array, hole: Uint8Array, width: number, height: number): FillLevel {
  const color = new Float32Array(width * height * 3);
  for (let pixel = 0; pixel < width * height; pixel += 1) {
    color[pixel * 3] = rgba[pixel * 4];
    color[pixel * 3 + 1] = rgba[pixel * 4 + 1];
    color[pixel * 3 + 2] = rgba[pixel * 4 + 2];
  }
  // The hole is shared, not copied: nothing changes a level's hole once made.
  return { width, height, color, hole };
}

/** Levels from finest (index 0, the input) to coarsest. */
export function buildPyramid(finest: FillLevel): FillLevel[] {
  const levels = [finest];
  let current = finest;
  while (
    levels.length < MAX_LEVELS &&
    Math.min(Math.ceil(current.width / 2), Math.ceil(current.height / 2)) >= COARSEST_MIN_SIDE
  ) {
    current = downsampleLevel(current);
    levels.push(current);
  }
  return levels;
}

export function downsampleLevel(fine: FillLevel): FillLevel {
  const width = Math.ceil(fine.width / 2);
  const height = Math.ceil(fine.height / 2);
  const color = new Float32Array(width * height * 3);
  const hole = new Uint8Array(width * height);
  const fineColor = fine.color;
  for (let y = 0; y < height; y += 1) {
    const lastChildY = Math.min(2 * y + 2, fine.height);
    for (let x = 0; x < width; x += 1) {
      const lastChildX = Math.min(2 * x + 2, fine.width);
      let known = 0;
      let any = 0;
      let knownRed = 0;
      let knownGreen = 0;
      let knownBlue = 0;
      let anyRed = 0;
      let anyGreen = 0;
      let anyBlue = 0;
      for (let childY = 2 * y; childY < lastChildY; childY += 1) {
        for (let childX = 2 * x; childX < lastChildX; childX += 1) {
          const child = childY * fine.width + childX;
          const red = fineColor[child * 3];
          const green = fineColor[child * 3 + 1];
          const blue = fineColor[child * 3 + 2];
          any += 1;
          anyRed += red;
          anyGreen += green;
          anyBlue += blue;
          if (fine.hole[child] === 0) {
            known += 1;
            knownRed += red;
            knownGreen += green;
            knownBlue += blue;
          }
        }
      }
      const pixel = y * width + x;
      hole[pixel] = known === any ? 0 : 1;
      color[pixel * 3] = known > 0 ? knownRed / known : anyRed / any;
      color[pixel * 3 + 1] = known > 0 ? knownGreen / known : anyGreen / any;
      color[pixel * 3 + 2] = known > 0 ? knownBlue / known : anyBlue / any;
    }
  }
  return { width, height, color, hole };
}

/**
 * Fills the hole of the coarsest level by onion-peel diffusion: each ring of hole pixels takes
 * the average of its already-known 8-neighbours, then a few smoothing sweeps remove the rings.
 * Returns false when the level has no known pixel to diffuse from.
 */
export function initialiseHoleByDiffusion(level: FillLevel, smoothingSweeps = 16): boolean {
  const { width, height, color, hole } = level;
  const filled = Uint8Array.from(hole, (value) => (value === 0 ? 1 : 0));
  let remaining = hole.reduce((count, value) => count + value, 0);
  if (remaining === width * height) return false;
  while (remaining > 0) {
    const ring: number[] = [];
    for (let pixel = 0; pixel < width * height; pixel += 1) {
      if (filled[pixel] === 1) continue;
      const sum = [0, 0, 0];
      const count = sumNeighbours(level, filled, pixel, sum);
      if (count === 0) continue;
      ring.push(pixel, sum[0] / count, sum[1] / count, sum[2] / count);
    }
    for (let entry = 0; entry < ring.length; entry += 4) {
      const pixel = ring[entry];
      color.set([ring[entry + 1], ring[entry + 2], ring[entry + 3]], pixel * 3);
      filled[pixel] = 1;
      remaining -= 1;
    }
  }
  const everywhere = new Uint8Array(width * height).fill(1);
  for (let sweep = 0; sweep < smoothingSweeps; sweep += 1) {
    for (let pixel = 0; pixel < width * height; pixel += 1) {
      if (hole[pixel] === 0) continue;
      const sum = [0, 0, 0];
      const count = sumNeighbours(level, everywhere, pixel, sum);
      color.set([sum[0] / count, sum[1] / count, sum[2] / count], pixel * 3);
    }
  }
  return true;
}

function sumNeighbours(level: FillLevel, include: Uint8Array, pixel: number, sum: number[]): number {
  const { width, height, color } = level;
  const x = pixel % width;
  const y = (pixel - x) / width;
  let count = 0;
  for (let neighbourY = Math.max(0, y - 1); neighbourY <= Math.min(height - 1, y + 1); neighbourY += 1) {
    for (let neighbourX = Math.max(0, x - 1); neighbourX <= Math.min(width - 1, x + 1); neighbourX += 1) {
      const neighbour = neighbourY * width + neighbourX;
      if (neighbour === pixel || include[neighbour] === 0) continue;
      sum[0] += color[neighbour * 3];
      sum[1] += color[neighbour * 3 + 1];
      sum[2] += color[neighbour * 3 + 2];
      count += 1;
    }
  }
  return count;
}

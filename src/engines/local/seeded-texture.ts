/**
 * The fill for an image with no known pixel at all, where there is no content to copy: a
 * neutral grey with soft, seeded value noise, so outputs are deterministic per seed and
 * different seeds still differ.
 */
import type { FillLevel } from './fill-pyramid.ts';
import type { RandomSource } from '../../images/seeded-random.ts';

const GRID_STEP = 16;
const NEUTRAL = 128;
const AMPLITUDE = 24;

export function fillWithSeededTexture(level: FillLevel, random: RandomSource): void {
  const { width, height, color } = level;
  const gridWidth = Math.ceil(width / GRID_STEP) + 2;
  const gridHeight = Math.ceil(height / GRID_STEP) + 2;
  const grid = new Float32Array(gridWidth * gridHeight * 3);
  for (let index = 0; index < grid.length; index += 1) grid[index] = (random() * 2 - 1) * AMPLITUDE;
  for (let y = 0; y < height; y += 1) {
    const gridY = y / GRID_STEP;
    const top = Math.floor(gridY);
    const fractionY = gridY - top;
    for (let x = 0; x < width; x += 1) {
      const gridX = x / GRID_STEP;
      const left = Math.floor(gridX);
      const fractionX = gridX - left;
      for (let channel = 0; channel < 3; channel += 1) {
        const at = (column: number, row: number): number => grid[(row * gridWidth + column) * 3 + channel];
        const upper = at(left, top) * (1 - fractionX) + at(left + 1, top) * fractionX;
        const lower = at(left, top + 1) * (1 - fractionX) + at(left + 1, top + 1) * fractionX;
        color[(y * width + x) * 3 + channel] = NEUTRAL + upper * (1 - fractionY) + lower * fractionY;
      }
    }
  }
}

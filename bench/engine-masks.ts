/**
 * The hole shapes of the engine benchmark, as one byte per pixel (1 = fill): a centred box of
 * 5 % and 20 % of the area, seeded brush strokes covering 5 % and 20 %, a transparent border
 * all round (outpainting) and the right fifth of the picture (outpainting to one side).
 */
import { createSeededRandom } from '../src/images/seeded-random.ts';

export const maskNames = ['box5', 'box20', 'strokes5', 'strokes20', 'border', 'oneside'] as const;
export type MaskName = (typeof maskNames)[number];

export function createBenchMask(name: MaskName, width: number, height: number): Uint8Array {
  switch (name) {
    case 'box5': return centredBox(width, height, 0.05);
    case 'box20': return centredBox(width, height, 0.2);
    case 'strokes5': return brushStrokes(width, height, 0.05, 5);
    case 'strokes20': return brushStrokes(width, height, 0.2, 20);
    case 'border': return border(width, height, Math.round(Math.min(width, height) / 16));
    case 'oneside': return rightSide(width, height, 0.2);
  }
}

function centredBox(width: number, height: number, fraction: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const side = Math.sqrt(fraction * width * height);
  const boxWidth = Math.min(width, Math.round(side));
  const boxHeight = Math.min(height, Math.round((fraction * width * height) / boxWidth));
  const left = Math.round((width - boxWidth) / 2);
  const top = Math.round((height - boxHeight) / 2);
  for (let y = top; y < top + boxHeight; y += 1) mask.fill(1, y * width + left, y * width + left + boxWidth);
  return mask;
}

function border(width: number, height: number, thickness: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (x < thickness || y < thickness || x >= width - thickness || y >= height - thickness) mask[y * width + x] = 1;
    }
  }
  return mask;
}

function rightSide(width: number, height: number, fraction: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const left = Math.round(width * (1 - fraction));
  for (let y = 0; y < height; y += 1) mask.fill(1, y * width + left, (y + 1) * width);
  return mask;
}

/** Random polylines of round brush dabs, added until `fraction` of the pixels is covered. */
function brushStrokes(width: number, height: number, fraction: number, seed: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const random = createSeededRandom(seed);
  const brushRadius = Math.max(2, Math.round(Math.min(width, height) * 0.015));
  const segmentLength = Math.min(width, height) * 0.12;
  let covered = 0;
  const target = fraction * width * height;
  while (covered < target) {
    let x = random() * width;
    let y = random() * height;
    let angle = random() * 2 * Math.PI;
    for (let segment = 0; segment < 5 && covered < target; segment += 1) {
      angle += (random() - 0.5) * 2;
      const steps = Math.ceil(segmentLength / (brushRadius / 2));
      for (let step = 0; step < steps && covered < target; step += 1) {
        x = Math.min(width - 1, Math.max(0, x + Math.cos(angle) * (brushRadius / 2)));
        y = Math.min(height - 1, Math.max(0, y + Math.sin(angle) * (brushRadius / 2)));
        covered += dab(mask, width, height, Math.round(x), Math.round(y), brushRadius);
      }
    }
  }
  return mask;
}

function dab(mask: Uint8Array, width: number, height: number, centreX: number, centreY: number, radius: number): number {
  let added = 0;
  for (let y = Math.max(0, centreY - radius); y <= Math.min(height - 1, centreY + radius); y += 1) {
    for (let x = Math.max(0, centreX - radius); x <= Math.min(width - 1, centreX + radius); x += 1) {
      if ((x - centreX) ** 2 + (y - centreY) ** 2 > radius * radius || mask[y * width + x] === 1) continue;
      mask[y * width + x] = 1;
      added += 1;
    }
  }
  return added;
}

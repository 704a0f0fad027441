/**
 * The patch fill's inner loops — PatchMatch search, match distances, EM votes — run as
 * WebAssembly with 128-bit SIMD, compiled from `assembly/patch-kernels.ts` (AssemblyScript) by
 * `npm run build:wasm` (run by `npm ci`/`npm install` through `prepare`). The same loops in
 * plain JavaScript took 5–6× longer per patch distance.
 *
 * `openLevelKernel` copies one pyramid level, its patch geometry and its field into a fresh
 * instance's memory; the EM iterations then run there without copying, and `readBack` returns
 * the colours and the field to the level's own arrays. Each kernel has its own memory, freed
 * with it, so a worker thread does not keep the memory of the largest image it ever filled.
 */
import { readFileSync } from 'node:fs';
import type { FillLevel } from './fill-pyramid.ts';
import type { NearestNeighbourField, PatchGeometry } from './nearest-neighbour-field.ts';

const wasmUrl = new URL('../../../build/patch-kernels.wasm', import.meta.url);

interface KernelExports {
  readonly heapBase: () => number;
  readonly setLevel: (...layout: number[]) => void;
  readonly computeDistances: () => void;
  readonly improveField: (passes: number, firstPassForward: number, penaltyScale: number, seed: number) => void;
  readonly votePatches: (uniform: number) => void;
  readonly votePatchesSharp: () => void;
}

let compiledModule: WebAssembly.Module | null = null;

function kernelModule(): WebAssembly.Module {
  if (compiledModule !== null) return compiledModule;
  let bytes: Buffer;
  try {
    bytes = readFileSync(wasmUrl);
  } catch (error) {
    throw new Error(`the fill kernels are not built (${wasmUrl.pathname} is missing): run \`npm run build:wasm\``, { cause: error });
  }
  compiledModule = new WebAssembly.Module(new Uint8Array(bytes));
  return compiledModule;
}

const PAGE_BYTES = 65_536;
/** The 8-bit colour copy is read 32 bytes at a time from a row's first pixel: room past its end. */
const RGBA_PADDING_BYTES = 32;

export interface LevelKernel {
  /** PatchMatch passes; `seed` seeds this call's random search, `locality` as in patch-fill.ts. */
  improveField(passes: number, firstPassForward: boolean, locality: number, seed: number): void;
  /** Rebuilds the hole from the matches; `uniform`: confidence weights only (distances stale). */
  votePatches(uniform: boolean): void;
  /** The finest level's last reconstruction: one best patch per pixel, no averaging. */
  votePatchesSharp(): void;
  computeDistances(): void;
  /** Copies the colours and the field back into the level's and the field's own arrays. */
  readBack(): void;
}

/**
 * `confidence`: one vote weight per target (1 when absent), multiplied with the similarity
 * weight in every vote.
 */
export function openLevelKernel(
  level: FillLevel,
  geometry: PatchGeometry,
  field: NearestNeighbourField,
  confidence: Float32Array | null = null,
): LevelKernel {
  const { width, height } = level;
  const pixelCount = width * height;
  const targetCount = geometry.targets.length;
  const instance = new WebAssembly.Instance(kernelModule(), { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
  const kernel = instance.exports as unknown as KernelExports;
  const memory = instance.exports.memory as WebAssembly.Memory;

  let next = kernel.heapBase();
  const reserve = (bytes: number): number => {
    const at = next;
    next += Math.ceil(bytes / 16) * 16;
    return at;
  };
  const layout = {
    rgba: reserve(pixelCount * 4 + RGBA_PADDING_BYTES),
    color: reserve(pixelCount * 16),
    hole: reserve(pixelCount),
    targets: reserve(targetCount * 4),
    targetIndex: reserve(pixelCount * 4),
    validSource: reserve(pixelCount),
    source: reserve(targetCount * 4),
    distance: reserve(targetCount * 4),
    confidence: reserve(targetCount * 4),
    weights: reserve(targetCount * 4),
    accumulated: reserve(pixelCount * 16),
  };
  const neededPages = Math.ceil(next / PAGE_BYTES);
  if (neededPages > 1) memory.grow(neededPages - 1);
  const buffer = memory.buffer;

  const rgba = new Uint8ClampedArray(buffer, layout.rgba, pixelCount * 4);
  for (let pixel = 0; pixel < pixelCount; pixel += 1) {
    rgba[pixel * 4] = level.color[pixel * 3];
    rgba[pixel * 4 + 1] = level.color[pixel * 3 + 1];
    rgba[pixel * 4 + 2] = level.color[pixel * 3 + 2];
  }
  const color = new Float32Array(buffer, layout.color, pixelCount * 4);
  for (let pixel = 0; pixel < pixelCount; pixel += 1) {
    color[pixel * 4] = level.color[pixel * 3];
    color[pixel * 4 + 1] = level.color[pixel * 3 + 1];
    color[pixel * 4 + 2] = level.color[pixel * 3 + 2];
    color[pixel * 4 + 3] = 1;
  }
  new Uint8Array(buffer, layout.hole, pixelCount).set(level.hole);
  new Int32Array(buffer, layout.targets, targetCount).set(geometry.targets);
  new Int32Array(buffer, layout.targetIndex, pixelCount).set(geometry.targetIndexOf);
  new Uint8Array(buffer, layout.validSource, pixelCount).set(geometry.validSource);
  const source = new Int32Array(buffer, layout.source, targetCount);
  source.set(field.source);
  const distance = new Float32Array(buffer, layout.distance, targetCount);
  distance.set(field.distance);
  const confidenceView = new Float32Array(buffer, layout.confidence, targetCount);
  if (confidence === null) confidenceView.fill(1);
  else confidenceView.set(confidence);

  kernel.setLevel(
    width, height, geometry.radius, targetCount,
    layout.rgba, layout.color, layout.hole, layout.targets, layout.targetIndex, layout.validSource,
    layout.source, layout.distance, layout.confidence, layout.weights, layout.accumulated,
  );
  // Locality cost per squared pixel of offset: `locality` per window pixel at a full longer side away.
  const penaltyScale = (locality: number) => (locality * (2 * geometry.radius + 1) ** 2) / Math.max(width, height) ** 2;

  return {
    improveField: (passes, firstPassForward, locality, seed) => kernel.improveField(passes, firstPassForward ? 1 : 0, penaltyScale(locality), seed >>> 0),
    votePatches: (uniform) => kernel.votePatches(uniform ? 1 : 0),
    votePatchesSharp: () => kernel.votePatchesSharp(),
    computeDistances: () => kernel.computeDistances(),
    readBack: () => {
      for (let pixel = 0; pixel < pixelCount; pixel += 1) {
        if (level.hole[pixel] === 0) continue;
        level.color[pixel * 3] = color[pixel * 4];
        level.color[pixel * 3 + 1] = color[pixel * 4 + 1];
        level.color[pixel * 3 + 2] = color[pixel * 4 + 2];
      }
      field.source.set(source);
      field.distance.set(distance);
    },
  };
}

/**
 * The patch fill's inner loops — PatchMatch search, match distances, EM votes — run as
 * WebAssembly with 128-bit SIMD, compiled from `assembly/patch-kernels.ts` (AssemblyScript) by
 * `npm run build:wasm` (run by `npm ci`/`npm install` through `prepare`). The same loops in
 * plain JavaScript took 5–6× longer per patch distance.
 *
 * `openLevelKernel` copies one pyramid level, its patch geometry and its field into the kernel
 * memory (kernel-workspace.ts); the EM iterations then run there without copying, and `finish`
 * returns the colours and the field to the level's own arrays. Every step runs as two fixed
 * parts: with a helper thread (kernel-helper-thread.ts) the helper runs the second part while
 * this thread runs the first; without, this thread runs both in turn — the same bytes either
 * way.
 */
import type { FillLevel } from './fill-pyramid.ts';
import type { KernelHelperThread } from './kernel-helper-thread.ts';
import type { NearestNeighbourField, PatchGeometry } from './nearest-neighbour-field.ts';
import {
  accumulatorRanges, kernelHeapBase, layoutArguments, layoutLevel, runPartCommand, type PartCommand,
} from './patch-kernel-module.ts';
import { kernelWorkspace } from './kernel-workspace.ts';

export interface LevelKernel {
  /** PatchMatch passes; `seed` seeds this call's random search, `locality` as in patch-fill.ts. */
  improveField(passes: number, firstPassForward: boolean, locality: number, seed: number): void;
  /** Rebuilds the hole from the matches; `uniform`: confidence weights only (distances stale). */
  votePatches(uniform: boolean): void;
  /** The finest level's last reconstruction: one best patch per pixel, no averaging. */
  votePatchesSharp(): void;
  computeDistances(): void;
  /** Copies the colours and the field back into the level's and the field's arrays and releases the helper. */
  finish(): void;
  /** Releases the helper without copying back (after a failure). */
  abandon(): void;
}

let heapBase: number | null = null;

/**
 * `confidence`: one vote weight per target (1 when absent), multiplied with the similarity
 * weight in every vote. `helper`: a thread to run the second part of every step, or null.
 */
export function openLevelKernel(
  level: FillLevel,
  geometry: PatchGeometry,
  field: NearestNeighbourField,
  confidence: Float32Array | null,
  helper: KernelHelperThread | null,
): LevelKernel {
  const { width, height } = level;
  const pixelCount = width * height;
  const targetCount = geometry.targets.length;
  heapBase ??= kernelHeapBase();
  const ranges = accumulatorRanges(geometry.targets, width, height, geometry.radius);
  const layout = layoutLevel(heapBase, pixelCount, targetCount, ranges[1] - ranges[0] + ranges[3] - ranges[2]);
  const { memory, kernel, reused } = kernelWorkspace(layout.pages);
  const buffer = memory.buffer;

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
  // Colours travel as RGB floats through the start of the colour buffer (expanded in place there).
  const colorExchange = new Float32Array(buffer, layout.color, pixelCount * 3);
  colorExchange.set(level.color);
  const levelArguments = [width, height, geometry.radius, targetCount, ...layoutArguments(layout), ...ranges];
  kernel.setLevel(...levelArguments);
  kernel.loadColors();

  const partner = reused && helper !== null && helper.startLevel(memory, levelArguments) ? helper : null;
  const run = (command: PartCommand, ...args: number[]) => {
    if (partner === null) {
      runPartCommand(kernel, command, 0, args);
      runPartCommand(kernel, command, 1, args);
      return;
    }
    partner.issue(command, args);
    try {
      runPartCommand(kernel, command, 0, args);
    } finally {
      partner.waitFinished();
    }
  };
  // Locality cost per squared pixel of offset: `locality` per window pixel at a full longer side away.
  const penaltyScale = (locality: number) => (locality * (2 * geometry.radius + 1) ** 2) / Math.max(width, height) ** 2;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    partner?.endLevel();
  };

  return {
    improveField: (passes, firstPassForward, locality, seed) => run('improveField', passes, firstPassForward ? 1 : 0, penaltyScale(locality), seed >>> 0),
    votePatches: (uniform) => {
      run('measureVotes');
      run('scatterVotes', uniform ? 1 : 0);
      run('resolveVotes');
    },
    votePatchesSharp: () => {
      run('scatterSharp');
      run('resolveSharp');
    },
    computeDistances: () => run('computeDistances'),
    finish: () => {
      release();
      kernel.storeColors();
      level.color.set(colorExchange);
      field.source.set(source);
      field.distance.set(distance);
    },
    abandon: release,
  };
}

/**
 * The compiled fill kernels (`assembly/patch-kernels.ts`, built by `npm run build:wasm` into
 * build/patch-kernels.wasm) and what the host thread and its helper thread share about them:
 * the exports, the memory layout of a level, and the commands a helper runs.
 */
import { readFileSync } from 'node:fs';

const wasmUrl = new URL('../../../build/patch-kernels.wasm', import.meta.url);

export interface KernelExports {
  readonly heapBase: () => number;
  readonly setLevel: (...layout: number[]) => void;
  readonly loadColors: () => void;
  readonly storeColors: () => void;
  readonly improveField: (part: number, passes: number, firstPassForward: number, penaltyScale: number, seed: number) => void;
  readonly computeDistances: (part: number) => void;
  readonly measureVotes: (part: number) => void;
  readonly scatterVotes: (part: number, uniform: number) => void;
  readonly resolveVotes: (part: number) => void;
  readonly scatterSharp: (part: number) => void;
  readonly resolveSharp: (part: number) => void;
}

/** Steps that run as two parts (see the AssemblyScript source), with up to four numeric arguments after the part. */
export const PART_COMMANDS = ['improveField', 'computeDistances', 'measureVotes', 'scatterVotes', 'resolveVotes', 'scatterSharp', 'resolveSharp'] as const;
export type PartCommand = (typeof PART_COMMANDS)[number];

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

export function instantiateKernel(memory: WebAssembly.Memory): KernelExports {
  return new WebAssembly.Instance(kernelModule(), { env: { memory } }).exports as unknown as KernelExports;
}

export function runPartCommand(kernel: KernelExports, command: PartCommand, part: number, args: ArrayLike<number>): void {
  switch (command) {
    case 'improveField': return kernel.improveField(part, args[0], args[1], args[2], args[3]);
    case 'computeDistances': return kernel.computeDistances(part);
    case 'measureVotes': return kernel.measureVotes(part);
    case 'scatterVotes': return kernel.scatterVotes(part, args[0]);
    case 'resolveVotes': return kernel.resolveVotes(part);
    case 'scatterSharp': return kernel.scatterSharp(part);
    case 'resolveSharp': return kernel.resolveSharp(part);
  }
}

export const KERNEL_PAGE_BYTES = 65_536;
/** The 8-bit colour copy is read 32 bytes at a time from a row's first pixel: room past its end. */
const RGBA_PADDING_BYTES = 32;

/** Byte offsets of a level's buffers in the kernel memory (see the AssemblyScript source). */
export interface KernelLayout {
  readonly rgba: number;
  readonly color: number;
  readonly hole: number;
  readonly targets: number;
  readonly targetIndex: number;
  readonly validSource: number;
  readonly source: number;
  readonly distance: number;
  readonly confidence: number;
  readonly weights: number;
  readonly totals: number;
  readonly accumulated: number;
  readonly pages: number;
}

/**
 * The pixel ranges, whole rows, that each part's vote accumulator covers — the rows its
 * targets' windows reach — as [first0, end0, first1, end1]. Targets are in scan order.
 */
export function accumulatorRanges(targets: Int32Array, width: number, height: number, radius: number): number[] {
  const split = targets.length >> 1;
  const rowsOf = (first: number, end: number) => {
    if (end <= first) return [0, 0];
    const firstRow = Math.max(0, Math.floor(targets[first] / width) - radius);
    const endRow = Math.min(height, Math.floor(targets[end - 1] / width) + radius + 1);
    return [firstRow * width, endRow * width];
  };
  return [...rowsOf(0, split), ...rowsOf(split, targets.length)];
}

/**
 * The buffers of a level of `pixelCount` pixels and `targetCount` targets whose accumulators
 * cover `accumulatedPixels` pixels in all, 16-byte aligned, from `heapBase`.
 */
export function layoutLevel(heapBase: number, pixelCount: number, targetCount: number, accumulatedPixels: number): KernelLayout {
  let next = heapBase;
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
    totals: reserve(16),
    accumulated: reserve(accumulatedPixels * 16),
  };
  return { ...layout, pages: Math.ceil(next / KERNEL_PAGE_BYTES) };
}

/** `setLevel`'s arguments after the sizes, in its order. */
export function layoutArguments(layout: KernelLayout): number[] {
  return [
    layout.rgba, layout.color, layout.hole, layout.targets, layout.targetIndex, layout.validSource,
    layout.source, layout.distance, layout.confidence, layout.weights, layout.totals, layout.accumulated,
  ];
}

/** A memory of `pages` pages, growable to `maximumPages`, that a helper thread can share. */
export function createKernelMemory(pages: number, maximumPages = pages): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: maximumPages, shared: true });
}

/** Where buffers may start: after the module's static data (the same for every instance). */
export function kernelHeapBase(): number {
  return instantiateKernel(createKernelMemory(1)).heapBase();
}

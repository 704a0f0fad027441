/**
 * The kernel memory a level is laid out in. Levels up to `REUSED_MEMORY_BYTES` use this thread's
 * one memory, grown as needed and kept for later levels and fills (with the instance that runs
 * on it, here and in the helper thread): a fresh memory per level left its freeing to a garbage
 * collection that an idle helper thread never runs (the server's peak RSS reached 5 GB at 32
 * concurrent 1024² edits). Larger levels run on this thread alone in a memory kept only until
 * the fill ends (`releaseLargeKernelWorkspace`), grown from level to level, so no thread keeps
 * the memory of the largest image it ever filled.
 */
import {
  createKernelMemory, instantiateKernel, KERNEL_PAGE_BYTES, type KernelExports,
} from './patch-kernel-module.ts';

/** Largest reused memory per thread: levels up to about 3.5 megapixels (about 33 bytes per pixel plus 20 per target). */
const REUSED_MEMORY_BYTES = 128 * 1024 * 1024;
const REUSED_MEMORY_PAGES = REUSED_MEMORY_BYTES / KERNEL_PAGE_BYTES;

export interface KernelWorkspace {
  readonly memory: WebAssembly.Memory;
  readonly kernel: KernelExports;
  /** True for the thread's reused memory, which a helper thread may share. */
  readonly reused: boolean;
}

let reused: KernelWorkspace | null = null;

/** A workspace of at least `pages` pages. Its earlier contents are garbage; views made before a call may be detached. */
export function kernelWorkspace(pages: number): KernelWorkspace {
  if (pages > REUSED_MEMORY_PAGES) return largeWorkspace(pages);
  if (reused === null) {
    const memory = createKernelMemory(pages, REUSED_MEMORY_PAGES);
    reused = { memory, kernel: instantiateKernel(memory), reused: true };
  }
  const currentPages = reused.memory.buffer.byteLength / KERNEL_PAGE_BYTES;
  if (currentPages < pages) reused.memory.grow(pages - currentPages);
  return reused;
}

/** Room for growth of a large workspace: the next finer level has about four times the pixels. */
const LARGE_GROWTH = 5;
const MAX_PAGES = 65_536;

let large: KernelWorkspace | null = null;

/** One large memory per fill, grown level by level, so two of them are never alive at once. */
function largeWorkspace(pages: number): KernelWorkspace {
  const currentPages = large === null ? 0 : large.memory.buffer.byteLength / KERNEL_PAGE_BYTES;
  if (large !== null && currentPages < pages) {
    try {
      large.memory.grow(pages - currentPages);
    } catch {
      large = null;
    }
  }
  if (large === null) {
    const memory = createKernelMemory(pages, Math.min(MAX_PAGES, Math.max(pages, pages * LARGE_GROWTH)));
    large = { memory, kernel: instantiateKernel(memory), reused: false };
  }
  return large;
}

/** Drops this thread's large workspace (call when a fill ends) for the garbage collector to free. */
export function releaseLargeKernelWorkspace(): void {
  large = null;
}

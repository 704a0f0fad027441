/**
 * The fill thread's side of its helper thread (patch-kernel-helper.ts): one helper per thread,
 * started on first use and kept (unreferenced, so it never holds the process open). Each level
 * is announced with `startLevel`; each step's second part is `issue`d to the helper while the
 * fill thread runs the first, then `waitFinished` joins them.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PartCommand } from './patch-kernel-module.ts';
import {
  COMMAND, commandCode, createKernelControl, END_LEVEL, FAILED, FINISHED, FIRST_ARGUMENT, ISSUED, READY, type KernelControl,
} from './kernel-control.ts';
import type { HelperLevelMessage, HelperWorkerData } from './patch-kernel-helper.ts';

/** How long the fill thread waits for a loaded helper to take a level. */
const START_TIMEOUT_MS = 10_000;
/** How long one step's second part may take before the helper is given up as stuck. */
const STEP_TIMEOUT_MS = 600_000;

export class KernelHelperThread {
  readonly #worker: Worker;
  readonly #control: KernelControl = createKernelControl();
  #issued = 0;
  #broken = false;
  #levelsTaken = 0;
  #sharedMemory: WebAssembly.Memory | null = null;

  constructor() {
    const workerData: HelperWorkerData = { control: this.#control.buffer };
    this.#worker = new Worker(helperBootstrap(new URL('./patch-kernel-helper.ts', import.meta.url)), { eval: true, workerData });
    this.#worker.unref();
    // A helper that fails to load never becomes ready (fills then run on this thread alone); one
    // that fails later fails its step. The listener keeps the error from crashing this thread.
    this.#worker.on('error', () => {});
  }

  /** Whether the helper has loaded and can take levels. */
  get ready(): boolean {
    return Atomics.load(this.#control.integers, READY) === 1;
  }

  /** Levels the helper has taken so far. */
  get levelsTaken(): number {
    return this.#levelsTaken;
  }

  /** True once the helper missed a deadline: it is stopped and never used again. */
  get broken(): boolean {
    return this.#broken;
  }

  /**
   * Hands the helper a level's memory; false when it is not loaded yet or could not take it
   * (then this thread runs both parts: the same bytes, only slower).
   */
  startLevel(memory: WebAssembly.Memory, level: number[]): boolean {
    if (this.#broken || !this.ready) return false;
    const { integers } = this.#control;
    Atomics.store(integers, FAILED, 0);
    // The helper acknowledges the level by finishing this sequence number.
    this.#issued += 1;
    Atomics.store(integers, ISSUED, this.#issued);
    // The memory travels once; later levels on the same memory reuse the helper's instance.
    const message: HelperLevelMessage = { memory: memory === this.#sharedMemory ? null : memory, level };
    this.#sharedMemory = memory;
    this.#worker.postMessage(message);
    if (!this.#waitFor(this.#issued, START_TIMEOUT_MS)) return false;
    this.#levelsTaken += 1;
    return true;
  }

  issue(command: PartCommand, args: ArrayLike<number>): void {
    this.#issueCode(commandCode(command), args);
  }

  /** Throws when the helper failed the step or did not finish it in time. */
  waitFinished(): void {
    if (!this.#waitFor(this.#issued, STEP_TIMEOUT_MS)) throw new Error('the fill helper thread failed a step');
  }

  /** The helper stops using the level's memory. */
  endLevel(): void {
    this.#issueCode(END_LEVEL, []);
    this.#waitFor(this.#issued, STEP_TIMEOUT_MS);
  }

  #issueCode(code: number, args: ArrayLike<number>): void {
    const { integers, floats } = this.#control;
    for (let index = 0; index < args.length; index += 1) floats[FIRST_ARGUMENT + index] = args[index];
    Atomics.store(integers, COMMAND, code);
    this.#issued += 1;
    Atomics.store(integers, ISSUED, this.#issued);
    Atomics.notify(integers, ISSUED);
  }

  /** Waits until the helper finished `sequence`; false on failure or timeout. */
  #waitFor(sequence: number, timeoutMs: number): boolean {
    const { integers } = this.#control;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const finished = Atomics.load(integers, FINISHED);
      if (finished === sequence) return Atomics.load(integers, FAILED) === 0;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.#broken = true;
        void this.#worker.terminate();
        return false;
      }
      Atomics.wait(integers, FINISHED, finished, left);
    }
  }
}

/**
 * The helper thread's script: it imports the helper module, registering tsx first when the
 * module is TypeScript (Node 20 does not apply `--import tsx` to a thread started this way, and
 * would not load a `.ts` entry point either).
 */
function helperBootstrap(moduleUrl: URL): string {
  const load = `import(${JSON.stringify(moduleUrl.href)})`;
  if (!moduleUrl.pathname.endsWith('.ts')) return `${load};`;
  const tsx = JSON.stringify(tsxEsmApiUrl());
  return `import(${tsx}).then((tsx) => { tsx.register(); return ${load}; });`;
}

/**
 * tsx's ESM API module, as its package's exports map names it for `import` (resolving from a
 * module that may itself run as CommonJS would give the `require` one, which cannot register).
 */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve('tsx/package.json');
  const exportsMap = (require(packageJsonPath) as { exports: Record<string, { import: { default: string } }> }).exports;
  return pathToFileURL(join(dirname(packageJsonPath), exportsMap['./esm/api'].import.default)).href;
}

let shared: KernelHelperThread | null = null;

/** This thread's helper, started on first call (call early: it takes a moment to load). */
export function kernelHelperThread(): KernelHelperThread {
  if (shared === null || shared.broken) shared = new KernelHelperThread();
  return shared;
}

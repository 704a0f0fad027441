/**
 * A fill thread's helper thread: for each pyramid level it is handed the level's shared kernel
 * memory, then runs the second part of every kernel step it is told to through the control
 * block, while the fill thread runs the first. See kernel-helper-thread.ts for the other side.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateKernel, runPartCommand, type KernelExports } from './patch-kernel-module.ts';
import {
  COMMAND, commandOf, createKernelControl, END_LEVEL, FAILED, FINISHED, FIRST_ARGUMENT, ISSUED, MAX_ARGUMENTS, READY,
} from './kernel-control.ts';

export interface HelperWorkerData {
  /** The control block (kernel-control.ts). */
  readonly control: SharedArrayBuffer;
}

export interface HelperLevelMessage {
  /** The memory the level is in; null: the same as the previous level's. */
  readonly memory: WebAssembly.Memory | null;
  /** `setLevel`'s arguments. */
  readonly level: number[];
}

const { integers, floats } = createKernelControl((workerData as HelperWorkerData).control);
/** The instance on the memory last handed over. */
let currentKernel: KernelExports | null = null;
parentPort?.on('message', (message: HelperLevelMessage) => serveLevel(message));
Atomics.store(integers, READY, 1);

function serveLevel(message: HelperLevelMessage): void {
  let seen = Atomics.load(integers, ISSUED);
  let kernel: KernelExports | null = null;
  try {
    if (message.memory !== null) {
      // Never left on the previous memory: the next levels would run there.
      currentKernel = null;
      currentKernel = instantiateKernel(message.memory);
    }
    kernel = currentKernel;
    kernel?.setLevel(...message.level);
  } catch {
    kernel = null;
  }
  if (kernel === null) Atomics.store(integers, FAILED, 1);
  finish(seen);
  if (kernel === null) return;
  const argumentsView = floats.subarray(FIRST_ARGUMENT, FIRST_ARGUMENT + MAX_ARGUMENTS);
  for (;;) {
    Atomics.wait(integers, ISSUED, seen);
    seen = Atomics.load(integers, ISSUED);
    const code = Atomics.load(integers, COMMAND);
    if (code === END_LEVEL) break;
    try {
      runPartCommand(kernel, commandOf(code), 1, argumentsView);
    } catch {
      Atomics.store(integers, FAILED, 1);
    }
    finish(seen);
  }
  finish(seen);
}

function finish(sequence: number): void {
  Atomics.store(integers, FINISHED, sequence);
  Atomics.notify(integers, FINISHED);
}

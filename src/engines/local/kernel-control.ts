/**
 * The shared control block through which a fill thread hands the second part of each kernel
 * step to its helper thread and waits for it: a command counter the helper waits on, the
 * command and its arguments, and the counter of the last command the helper finished.
 */
import { PART_COMMANDS, type PartCommand } from './patch-kernel-module.ts';

export const ISSUED = 0;
export const COMMAND = 1;
export const FINISHED = 2;
export const FAILED = 3;
/** Set to 1 by the helper once it is loaded and listening. */
export const READY = 4;
/** Float64 slot of the first argument (bytes 32–63, after the integer slots). */
export const FIRST_ARGUMENT = 4;
export const MAX_ARGUMENTS = 4;
/** Command code that ends the level: the helper stops using the memory and returns to its event loop. */
export const END_LEVEL = -1;

export interface KernelControl {
  readonly buffer: SharedArrayBuffer;
  readonly integers: Int32Array;
  readonly floats: Float64Array;
}

export function createKernelControl(buffer = new SharedArrayBuffer(64)): KernelControl {
  return { buffer, integers: new Int32Array(buffer), floats: new Float64Array(buffer) };
}

export function commandCode(command: PartCommand): number {
  return PART_COMMANDS.indexOf(command);
}

export function commandOf(code: number): PartCommand {
  return PART_COMMANDS[code];
}

/**
 * The piscina worker that runs `patchFill` off the main thread. Buffers arrive and leave by
 * transfer (no copy).
 */
import { move } from 'piscina';
import { patchFill } from './patch-fill.ts';

export interface FillTask {
  readonly rgba: Uint8Array;
  readonly mask: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly seed: number;
}

export default function runFillTask(task: FillTask): Uint8Array {
  const filled = patchFill(task);
  return move(filled) as Uint8Array;
}

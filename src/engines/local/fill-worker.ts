/**
 * The piscina worker: reads the job's files (decode-on-dequeue: nothing is decoded while a job
 * waits), runs `patchFill`, and sends partial images through the task's own port while it works.
 * Partial images leave by transfer; the result is cloned once (piscina moves only bare
 * buffers). Expected input failures come back as values: error classes do not cross threads.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { ImageSize } from '../engine.ts';
import type { EditMask } from '../../images/read-edit-mask.ts';
import type { RgbaImage } from '../../images/rgba-image.ts';
import { ImageDecodeError } from '../../images/decode-image.ts';
import { kernelHelperThread } from './kernel-helper-thread.ts';
import { patchFill } from './patch-fill.ts';
import { FillInputError, readFillInput } from './read-fill-input.ts';

/** What the engine gives every worker when the pool starts. */
export interface FillWorkerData {
  /** 2: a fill may use a helper thread (see `threads` below); 1: never. */
  readonly threadsPerFill: 1 | 2;
  /** Cores the pool may use. */
  readonly cores: number;
  /** One Int32, kept by the engine: its fill tasks running or waiting for a worker (not those waiting for pixel budget). */
  readonly tasksInFlight: SharedArrayBuffer;
}

const { threadsPerFill, cores, tasksInFlight: tasksInFlightBuffer } = workerData as FillWorkerData;
const tasksInFlight = new Int32Array(tasksInFlightBuffer);
// The helper thread loads while the worker waits for its first task.
if (threadsPerFill > 1) kernelHelperThread();

/**
 * Asked before each pyramid level: a helper thread only while the engine's tasks — running and
 * waiting — leave a core for it (one task on two cores: yes; a second request, or `n` = 2: no).
 */
function threadsNow(): 1 | 2 {
  return threadsPerFill > 1 && 2 * Atomics.load(tasksInFlight, 0) <= cores ? 2 : 1;
}

export interface FillTask {
  readonly imagePath: string;
  readonly maskPath: string | null;
  readonly maxInputPixels: number;
  readonly size: ImageSize | null;
  readonly seed: number;
  /** `Date.now()` after which the fill stops iterating (see PatchFillInput.deadlineAtMs); null: no budget. */
  readonly deadlineAtMs: number | null;
  /** Partial images wanted (0–3); they are posted on `partialPort` as `PartialFillMessage`s. */
  readonly partialImages: number;
  readonly partialPort: MessagePort | null;
}

export interface PartialFillMessage {
  readonly index: number;
  readonly rgba: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export type FillTaskResult =
  | { readonly kind: 'filled'; readonly rgba: Uint8Array; readonly width: number; readonly height: number; readonly partialImagesSent: number }
  | { readonly kind: 'invalid_input'; readonly message: string };

export default async function runFillTask(task: FillTask): Promise<FillTaskResult> {
  let input;
  try {
    input = await readFillInput(task);
  } catch (error) {
    if (error instanceof ImageDecodeError || error instanceof FillInputError) return { kind: 'invalid_input', message: error.message };
    throw error;
  }
  return fill(task, input.image, input.mask);
}

function fill(task: FillTask, image: RgbaImage, mask: EditMask): FillTaskResult {
  let partialImagesSent = 0;
  const rgba = patchFill({
    rgba: image.data,
    mask,
    width: image.width,
    height: image.height,
    seed: task.seed,
    deadlineAtMs: task.deadlineAtMs ?? undefined,
    threads: threadsNow,
    partialImages: task.partialPort === null ? 0 : task.partialImages,
    onPartialImage: (partial, index) => {
      const message: PartialFillMessage = { index, rgba: partial, width: image.width, height: image.height };
      task.partialPort?.postMessage(message, [partial.buffer as ArrayBuffer]);
      partialImagesSent += 1;
    },
  });
  return { kind: 'filled', rgba, width: image.width, height: image.height, partialImagesSent };
}

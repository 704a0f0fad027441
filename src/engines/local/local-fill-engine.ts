/**
 * `LocalFillEngine`, the built-in engine: it fills the masked region of the input image with
 * content from the rest of the same image (multi-scale PatchMatch completion, see README.md),
 * one output per seed. It ignores the prompt text.
 *
 * Decoding, resizing and encoding run in sharp (libuv pool); the per-pixel fill runs in a
 * piscina worker pool, one task per output image.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import {
  EngineError,
  type EditJob,
  type EditResult,
  type EngineCapabilities,
  type ImageEngine,
  type ImageSize,
} from '../engine.ts';
import { decodeToRgba, ImageDecodeError } from '../../images/decode-image.ts';
import { encodeImage } from '../../images/encode-image.ts';
import { readEditMask, type EditMask } from '../../images/read-edit-mask.ts';
import type { RgbaImage } from '../../images/rgba-image.ts';
import { resizeEditMask, resizeRgba } from './resize-fill-input.ts';
import type { FillTask } from './fill-worker.ts';

export interface LocalFillEngineOptions {
  /** Worker threads running fills; default `os.availableParallelism()`. */
  readonly threads?: number;
  /** Fill tasks (one per output image) that may wait for a thread; default 20 per thread. */
  readonly maxQueue?: number;
  /** Largest input, in pixels, the engine decodes (checked from the header before decoding). */
  readonly maxInputPixels: number;
}

const QUEUED_TASKS_PER_THREAD = 20;
const INITIAL_TASK_ESTIMATE_MS = 1_000;

export class LocalFillEngine implements ImageEngine {
  readonly id = 'local';
  readonly capabilities: EngineCapabilities = Object.freeze({
    inputFormats: Object.freeze(['png', 'jpeg', 'webp'] as const),
    outputFormats: Object.freeze(['png', 'jpeg', 'webp'] as const),
    maxInputImages: 1,
    maxOutputImagesPerCall: 10,
    mask: true,
    streaming: false,
    resize: true,
  });

  readonly #pool: Piscina<FillTask, Uint8Array>;
  readonly #threads: number;
  /** Running plus waiting fill tasks may not exceed this. */
  readonly #taskCapacity: number;
  #tasksInFlight = 0;
  readonly #maxInputPixels: number;
  /** Exponential moving average of a fill task's wall time (queue wait included), for `retryAfterMs`. */
  #averageTaskMs = INITIAL_TASK_ESTIMATE_MS;

  constructor(options: LocalFillEngineOptions) {
    this.#threads = options.threads ?? availableParallelism();
    const maxQueue = options.maxQueue ?? this.#threads * QUEUED_TASKS_PER_THREAD;
    requireInteger('threads', this.#threads, 1);
    requireInteger('maxQueue', maxQueue, 0);
    requireInteger('maxInputPixels', options.maxInputPixels, 1);
    this.#maxInputPixels = options.maxInputPixels;
    // The queue limit is enforced here, not by piscina: piscina does not count abortable tasks
    // (every task here carries a signal) against its own `maxQueue`.
    this.#taskCapacity = this.#threads + maxQueue;
    const workerUrl = new URL('./fill-worker.ts', import.meta.url);
    this.#pool = new Piscina<FillTask, Uint8Array>({
      filename: workerUrl.href,
      minThreads: this.#threads,
      maxThreads: this.#threads,
      execArgv: workerExecArgv(workerUrl),
    });
  }

  async edit(job: EditJob): Promise<EditResult> {
    throwIfCancelled(job.signal);
    const input = await this.#readInput(job);
    throwIfCancelled(job.signal);
    const filled = await this.#fill(input, job);
    throwIfCancelled(job.signal);
    const images = await Promise.all(
      filled.map(async (rgba) => ({
        bytes: await encodeImage(rgba, job.outputFormat, job.outputCompression),
        format: job.outputFormat,
        width: rgba.width,
        height: rgba.height,
      })),
    );
    return { images, usage: null };
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }

  async #readInput(job: EditJob): Promise<{ image: RgbaImage; mask: EditMask }> {
    const [first] = job.images;
    if (first === undefined) throw new EngineError('invalid_input', 'the job has no input image', false);
    let image: RgbaImage;
    let maskPixels: RgbaImage;
    try {
      image = await decodeToRgba(first.path, this.#maxInputPixels);
      maskPixels = job.mask === null ? image : await decodeToRgba(job.mask.path, this.#maxInputPixels);
    } catch (error) {
      if (error instanceof ImageDecodeError) throw new EngineError('invalid_input', error.message, false, null, { cause: error });
      throw error;
    }
    if (maskPixels.width !== image.width || maskPixels.height !== image.height) {
      throw new EngineError(
        'invalid_input',
        `mask is ${maskPixels.width}x${maskPixels.height} but the image is ${image.width}x${image.height}`,
        false,
      );
    }
    const mask = readEditMask(maskPixels);
    return resizeInput(image, mask, job.size);
  }

  async #fill(input: { image: RgbaImage; mask: EditMask }, job: EditJob): Promise<RgbaImage[]> {
    const { image, mask } = input;
    if (this.#tasksInFlight + job.n > this.#taskCapacity) throw this.#overloadedError();
    // One controller per job: the client's abort and our own queue-full bail-out both cancel every task.
    const controller = new AbortController();
    const abortTasks = (): void => controller.abort();
    job.signal.addEventListener('abort', abortTasks, { once: true });
    const tasks = Array.from({ length: job.n }, (_, index) => this.#runTask(image, mask, job.seed + index, controller.signal));
    try {
      const outputs = await Promise.all(tasks);
      return outputs.map((data) => ({ data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), width: image.width, height: image.height }));
    } catch (error) {
      controller.abort();
      await Promise.allSettled(tasks);
      throw this.#classifyTaskFailure(error, job.signal);
    } finally {
      job.signal.removeEventListener('abort', abortTasks);
    }
  }

  async #runTask(image: RgbaImage, mask: EditMask, seed: number, signal: AbortSignal): Promise<Uint8Array> {
    // Each task owns fresh copies: transferring detaches them, and sharp's buffers may be pooled.
    const rgba = new Uint8Array(image.data);
    const maskCopy = new Uint8Array(mask);
    const task: FillTask = { rgba, mask: maskCopy, width: image.width, height: image.height, seed };
    const startedAt = performance.now();
    this.#tasksInFlight += 1;
    try {
      const result = await this.#pool.run(task, { signal, transferList: [rgba.buffer, maskCopy.buffer] });
      this.#averageTaskMs = 0.8 * this.#averageTaskMs + 0.2 * (performance.now() - startedAt);
      return result;
    } finally {
      this.#tasksInFlight -= 1;
    }
  }

  #overloadedError(): EngineError {
    // A task's wall time, queue wait included, is about how long it takes for room to free up.
    const retryAfterMs = Math.max(100, Math.ceil(this.#averageTaskMs));
    return new EngineError('overloaded', 'the local engine queue is full', true, retryAfterMs);
  }

  #classifyTaskFailure(error: unknown, jobSignal: AbortSignal): EngineError {
    if (jobSignal.aborted) return cancelledError(error);
    if (error instanceof EngineError) return error;
    return new EngineError('internal', `local fill failed: ${error instanceof Error ? error.message : String(error)}`, false, null, { cause: error });
  }
}

async function resizeInput(image: RgbaImage, mask: EditMask, size: ImageSize | null): Promise<{ image: RgbaImage; mask: EditMask }> {
  if (size === null || (size.width === image.width && size.height === image.height)) return { image, mask };
  const [resizedImage, resizedMask] = await Promise.all([
    resizeRgba(image, size),
    resizeEditMask(mask, image.width, image.height, size),
  ]);
  return { image: resizedImage, mask: resizedMask };
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw cancelledError(signal.reason);
}

function cancelledError(cause: unknown): EngineError {
  return new EngineError('cancelled', 'the edit was cancelled', false, null, { cause });
}

function requireInteger(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`LocalFillEngine option ${name} must be an integer >= ${minimum}, got ${value}`);
  }
}

/**
 * Worker threads inherit the parent's `execArgv`, which carries tsx when the process runs under
 * `node --import tsx`; when it was registered another way, register it for the workers too.
 */
function workerExecArgv(workerUrl: URL): string[] | undefined {
  if (!workerUrl.pathname.endsWith('.ts')) return undefined;
  if (process.execArgv.some((argument) => argument.includes('tsx'))) return undefined;
  return [...process.execArgv, '--import', 'tsx'];
}

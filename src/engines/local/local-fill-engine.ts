/**
 * `LocalFillEngine`, the built-in engine: it fills the masked region of the input image with
 * content from the rest of the same image (multi-scale PatchMatch completion, see README.md),
 * one output per seed. It ignores the prompt text.
 *
 * Each output is one task in a piscina worker pool that decodes the files, resizes and fills
 * (so a queued job holds file paths, not pixels); encoding runs in sharp (libuv pool). With
 * `partialImages` the first output's coarse pyramid levels stream back as partial images.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import {
  EngineError,
  type EditJob,
  type EditResult,
  type EngineCapabilities,
  type EngineInputImage,
  type ImageSize,
  type ImageEngine,
  type PartialImage,
} from '../engine.ts';
import { encodeImage } from '../../images/encode-image.ts';
import type { RgbaImage } from '../../images/rgba-image.ts';
import type { ImageFormat, OutputFormat } from '../../images/image-facts.ts';
import { PixelBudget } from './pixel-budget.ts';
import type { FillTask, FillTaskResult, FillWorkerData, PartialFillMessage } from './fill-worker.ts';

export interface LocalFillEngineOptions {
  /** Worker threads running fills; default `os.availableParallelism()`. */
  readonly threads?: number;
  /** Fill tasks (one per output image) that may wait for a thread; default 20 per thread. */
  readonly maxQueue?: number;
  /** Largest input, in pixels, the engine decodes (checked from the header before decoding). */
  readonly maxInputPixels: number;
  /**
   * Wall time from `edit()` after which fills stop iterating and finish with what they have
   * (a coarser fill rather than a timeout); queue wait counts. Default: no budget.
   */
  readonly timeBudgetMs?: number | null;
  /**
   * Threads each fill may run on: 2 (default on two or more cores) adds a helper thread per
   * worker, used for a pyramid level while the engine's tasks in flight leave a core free (an
   * edit on an idle machine takes about 0.6–0.8× the time; a loaded pool runs one thread per
   * fill); 1 never uses one. The output is the same either way.
   */
  readonly threadsPerFill?: 1 | 2;
  /**
   * Fills run at the same time only while their pixels together stay within this many (see
   * `fillPixels`); the others wait their turn in the queue. A fill above the budget runs alone.
   * Bounds the engine's memory: a fill peaks at about 130 bytes per output pixel. Default
   * `DEFAULT_PIXEL_BUDGET`.
   */
  readonly pixelBudget?: number;
}

/** Four megapixels: two 1448² fills, or two 1536×1024, run side by side; two 1536² take turns. */
export const DEFAULT_PIXEL_BUDGET = 4 * 1024 * 1024;

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
    streaming: true,
    resize: true,
  });

  readonly #pool: Piscina<FillTask, FillTaskResult>;
  readonly #threads: number;
  /** Running plus waiting fill tasks may not exceed this. */
  readonly #taskCapacity: number;
  /** Fill tasks accepted and not finished: waiting for pixel budget, for a worker, or running. */
  #tasksAccepted = 0;
  /**
   * Fill tasks past the pixel budget (waiting for a worker or running); shared so the workers
   * can read it (fill-worker.ts decides on a helper thread by it): a task held back by the
   * budget leaves its core to the running fill's helper.
   */
  readonly #tasksInFlight = new Int32Array(new SharedArrayBuffer(4));
  readonly #maxInputPixels: number;
  readonly #timeBudgetMs: number | null;
  readonly #threadsPerFill: 1 | 2;
  readonly #pixelBudget: PixelBudget;
  /** Exponential moving average of a fill task's wall time (queue wait included), for `retryAfterMs`. */
  #averageTaskMs = INITIAL_TASK_ESTIMATE_MS;

  constructor(options: LocalFillEngineOptions) {
    this.#threads = options.threads ?? availableParallelism();
    const maxQueue = options.maxQueue ?? this.#threads * QUEUED_TASKS_PER_THREAD;
    requireInteger('threads', this.#threads, 1);
    requireInteger('maxQueue', maxQueue, 0);
    requireInteger('maxInputPixels', options.maxInputPixels, 1);
    if (options.timeBudgetMs != null) requireInteger('timeBudgetMs', options.timeBudgetMs, 1);
    this.#maxInputPixels = options.maxInputPixels;
    this.#timeBudgetMs = options.timeBudgetMs ?? null;
    this.#threadsPerFill = options.threadsPerFill ?? (availableParallelism() > 1 ? 2 : 1);
    const pixelBudget = options.pixelBudget ?? DEFAULT_PIXEL_BUDGET;
    requireInteger('pixelBudget', pixelBudget, 1);
    this.#pixelBudget = new PixelBudget(pixelBudget);
    // The queue limit is enforced here, not by piscina: piscina does not count abortable tasks
    // (every task here carries a signal) against its own `maxQueue`.
    this.#taskCapacity = this.#threads + maxQueue;
    const workerUrl = new URL('./fill-worker.ts', import.meta.url);
    this.#pool = new Piscina<FillTask, FillTaskResult>({
      filename: workerUrl.href,
      minThreads: this.#threads,
      maxThreads: this.#threads,
      execArgv: workerExecArgv(workerUrl),
      workerData: {
        threadsPerFill: this.#threadsPerFill,
        cores: availableParallelism(),
        tasksInFlight: this.#tasksInFlight.buffer as SharedArrayBuffer,
      } satisfies FillWorkerData,
    });
    // Aborting a running task terminates its worker; a result that worker had already posted
    // then arrives for a task piscina no longer knows, and piscina reports it as an 'error'
    // event — fatal to the process without a listener. The task itself was settled (aborted).
    this.#pool.on('error', (error: Error) => {
      process.emitWarning(`fill worker pool: ${error.message.split('\n')[0]}`, { code: 'PIXELGATE_FILL_POOL' });
    });
  }

  async edit(job: EditJob): Promise<EditResult> {
    throwIfCancelled(job.signal);
    const [first] = job.images;
    if (first === undefined) throw new EngineError('invalid_input', 'the job has no input image', false);
    if (this.#tasksAccepted + job.n > this.#taskCapacity) throw this.#overloadedError();
    const deadlineAtMs = this.#timeBudgetMs === null ? null : Date.now() + this.#timeBudgetMs;
    const filled = await this.#fill(job, first, deadlineAtMs);
    throwIfCancelled(job.signal);
    const images = await Promise.all(
      filled.map(async (rgba) => ({
        bytes: await encodeImage(rgba, rasterFormat(job.outputFormat), job.outputCompression),
        format: job.outputFormat,
        width: rgba.width,
        height: rgba.height,
      })),
    );
    return { images, usage: null };
  }

  /** What the engine is doing now: fill tasks accepted (waiting or running), past the pixel budget, and the pixels they hold. */
  get load(): { readonly tasksAccepted: number; readonly tasksAdmitted: number; readonly pixelsHeld: number } {
    return { tasksAccepted: this.#tasksAccepted, tasksAdmitted: Atomics.load(this.#tasksInFlight, 0), pixelsHeld: this.#pixelBudget.held };
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }

  async #fill(job: EditJob, image: EngineInputImage, deadlineAtMs: number | null): Promise<RgbaImage[]> {
    const pixels = fillPixels(image, job.size);
    // One controller per job: the client's abort and a failed sibling task both cancel every task.
    const controller = new AbortController();
    const abortTasks = (): void => controller.abort();
    job.signal.addEventListener('abort', abortTasks, { once: true });
    const tasks = Array.from({ length: job.n }, (_, index) => {
      const streams = index === 0 && job.partialImages > 0 && job.onPartialImage !== undefined;
      const task = {
        imagePath: image.path,
        maskPath: job.mask?.path ?? null,
        maxInputPixels: this.#maxInputPixels,
        size: job.size,
        seed: job.seed + index,
        deadlineAtMs,
        partialImages: streams ? job.partialImages : 0,
      };
      return this.#runTask(task, pixels, controller.signal, streams ? job : null);
    });
    try {
      return await Promise.all(tasks);
    } catch (error) {
      // An input the engine refuses is refused by every sibling task (they read the same
      // files) within moments: let them end on their own rather than terminate their workers.
      if (!(error instanceof EngineError && error.kind === 'invalid_input')) controller.abort();
      await Promise.allSettled(tasks);
      throw this.#classifyTaskFailure(error, job.signal);
    } finally {
      job.signal.removeEventListener('abort', abortTasks);
    }
  }

  async #runTask(task: Omit<FillTask, 'partialPort'>, pixels: number, signal: AbortSignal, streamingJob: EditJob | null): Promise<RgbaImage> {
    const startedAt = performance.now();
    this.#tasksAccepted += 1;
    let releasePixels: (() => void) | null = null;
    let partials: PartialImageRelay | null = null;
    try {
      releasePixels = await this.#pixelBudget.acquire(pixels, signal);
      Atomics.add(this.#tasksInFlight, 0, 1);
      const channel = streamingJob === null ? null : new MessageChannel();
      partials = channel === null || streamingJob === null ? null : new PartialImageRelay(channel.port1, streamingJob);
      const fullTask: FillTask = { ...task, partialPort: channel?.port2 ?? null };
      const transferList = channel === null ? [] : [channel.port2];
      const result = await this.#pool.run(fullTask, { signal, transferList });
      this.#averageTaskMs = 0.8 * this.#averageTaskMs + 0.2 * (performance.now() - startedAt);
      if (result.kind === 'invalid_input') throw new EngineError('invalid_input', result.message, false);
      await partials?.drained(result.partialImagesSent);
      return { data: Buffer.from(result.rgba.buffer, result.rgba.byteOffset, result.rgba.byteLength), width: result.width, height: result.height };
    } finally {
      if (releasePixels !== null) {
        Atomics.sub(this.#tasksInFlight, 0, 1);
        releasePixels();
      }
      this.#tasksAccepted -= 1;
      partials?.close();
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

/**
 * Encodes the partial images a worker posts, in the job's output format, and hands them to
 * `job.onPartialImage` in order; `drained(count)` resolves once `count` have been delivered, so
 * every partial image precedes the completed one.
 */
class PartialImageRelay {
  #delivered = 0;
  #chain: Promise<void> = Promise.resolve();
  #waiting: { count: number; resolve: () => void } | null = null;

  constructor(
    private readonly port: MessagePort,
    private readonly job: EditJob,
  ) {
    port.on('message', (message: PartialFillMessage) => {
      this.#chain = this.#chain.then(() => this.#deliver(message));
    });
  }

  async #deliver(message: PartialFillMessage): Promise<void> {
    if (!this.job.signal.aborted) {
      const image = { data: Buffer.from(message.rgba.buffer, message.rgba.byteOffset, message.rgba.byteLength), width: message.width, height: message.height };
      const partial: PartialImage = { index: message.index, bytes: await encodeImage(image, rasterFormat(this.job.outputFormat), this.job.outputCompression) };
      this.job.onPartialImage?.(partial);
    }
    this.#delivered += 1;
    if (this.#waiting !== null && this.#delivered >= this.#waiting.count) this.#waiting.resolve();
  }

  drained(count: number): Promise<void> {
    if (this.#delivered >= count) return this.#chain;
    return new Promise((resolve) => {
      this.#waiting = { count, resolve };
    });
  }

  close(): void {
    this.port.close();
  }
}

/**
 * What a fill holds of the pixel budget: its output's pixels (the fill's working set scales with
 * them), plus an eighth of the input's for decoding and resizing it (about 16 bytes per input
 * pixel against the fill's 130 per output pixel).
 */
export function fillPixels(image: EngineInputImage, size: ImageSize | null): number {
  const inputPixels = image.facts.width * image.facts.height;
  const outputPixels = size === null ? inputPixels : size.width * size.height;
  return outputPixels + Math.ceil(inputPixels / 8);
}

/** The built-in engine makes raster images only (its capabilities say so; this is the backstop). */
function rasterFormat(format: OutputFormat): ImageFormat {
  if (format === 'gif' || format === 'svg') throw new EngineError('invalid_input', `the built-in engine cannot make ${format} images`, false);
  return format;
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

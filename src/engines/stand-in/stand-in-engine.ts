/**
 * The stand-in engine answers at once with a cached image of the requested size. Benchmarks
 * run it beside the real engines so that the server's own overhead is seen apart from engine
 * time; tests use it to serve the GPT image rules without an upstream. It is an engine like
 * any other and reports token usage the way GPT image models do (estimated, not billed).
 */
import sharp from 'sharp';
import type { EditJob, EditOutputImage, EditResult, EngineCapabilities, ImageEngine } from '../engine.ts';
import { EngineError } from '../engine.ts';

export interface StandInEngineOptions {
  /** Delay before answering, to imitate a slow engine. */
  readonly delayMs: number;
}

function wait(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new EngineError('cancelled', 'The edit was cancelled.', false));
    const timer = setTimeout(resolve, delayMs);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new EngineError('cancelled', 'The edit was cancelled.', false));
    }, { once: true });
  });
}

export class StandInEngine implements ImageEngine {
  readonly id = 'stand-in';
  readonly capabilities: EngineCapabilities = {
    inputFormats: ['png', 'jpeg', 'webp'],
    outputFormats: ['png', 'jpeg', 'webp'],
    maxInputImages: 16,
    maxOutputImagesPerCall: 10,
    mask: true,
    streaming: true,
    resize: true,
    markup: false,
    forwardsFields: false,
  };
  private readonly cache = new Map<string, Promise<EditOutputImage>>();

  constructor(private readonly options: StandInEngineOptions = { delayMs: 0 }) {}

  private image(width: number, height: number, format: EditJob['outputFormat']): Promise<EditOutputImage> {
    const cacheKey = `${width}x${height}.${format}`;
    let cached = this.cache.get(cacheKey);
    if (!cached) {
      cached = sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
        .toFormat(format)
        .toBuffer()
        .then((bytes) => ({ bytes, format, width, height }));
      this.cache.set(cacheKey, cached);
    }
    return cached;
  }

  async edit(job: EditJob): Promise<EditResult> {
    if (this.options.delayMs > 0 || job.signal.aborted) await wait(this.options.delayMs, job.signal);
    // `auto` is the input's own size, as for the built-in engine.
    const size = job.size ?? job.images[0].facts;
    const image = await this.image(size.width, size.height, job.outputFormat);
    for (let index = 0; index < job.partialImages; index++) job.onPartialImage?.({ index, bytes: image.bytes });
    const textTokens = Math.ceil(job.prompt.length / 4);
    const imageTokens = 323 * job.images.length;
    const outputTokens = 4160 * job.n;
    return {
      images: Array.from({ length: job.n }, () => image),
      usage: {
        total_tokens: textTokens + imageTokens + outputTokens,
        input_tokens: textTokens + imageTokens,
        output_tokens: outputTokens,
        input_tokens_details: { text_tokens: textTokens, image_tokens: imageTokens },
      },
    };
  }

  async close(): Promise<void> {
    this.cache.clear();
  }
}

/**
 * The upstream engine for OpenAI, Azure OpenAI and any OpenAI-compatible relay: one adapter,
 * the endpoint (URL and auth) being the only difference. It makes exactly one call per `edit`,
 * streams the spooled uploads into the upstream body, reads JSON or Server-Sent Events back,
 * and classifies every failure once (`UpstreamError.retryable`). Retries, failover, storage
 * and billing live outside.
 */
import { Readable } from 'node:stream';
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { readImageFacts } from '../../images/read-image-facts.ts';
import type { OutputFormat } from '../../images/image-facts.ts';
import { looksLikeSvg, svgSize } from '../../images/svg-facts.ts';
import { EngineError, type EditOutputImage, type EditResult, type EditUsage, type EngineCapabilities, type ImageEngine, type SvgUsage } from '../engine.ts';
import { buildUpstreamMultipart } from './build-upstream-multipart.ts';
import { readServerSentEvents } from './read-server-sent-events.ts';
import type { ForwardedField, RelayEditJob, UpstreamStreamEvent } from './relay-edit-job.ts';
import { upstreamEditTarget, type UpstreamEndpoint } from './upstream-endpoint.ts';
import { UpstreamError, isRetryableStatus, parseUpstreamErrorBody, retryAfterFromHeaders } from './upstream-error.ts';

export interface OpenAiImageEngineOptions {
  /** The channel name; also the engine id. */
  readonly id: string;
  readonly endpoint: UpstreamEndpoint;
  readonly connectTimeoutMs: number;
  /** Time allowed from sending the request until the response headers arrive. */
  readonly firstByteTimeoutMs: number;
  /** Time allowed for the whole call, body upload and download included. */
  readonly requestTimeoutMs: number;
  /** Largest response body (JSON with base64 images, or one downloaded image URL) accepted. */
  readonly maxResponseBytes: number;
  /**
   * Hand the upstream's image URLs to clients that asked for `url` instead of downloading them
   * (off by default: clients then see only Pixelgate's own signed URLs).
   */
  readonly passUpstreamUrls?: boolean;
  /** The upstream takes JSON edit bodies (OpenAI's own API): a client's JSON edit is forwarded as JSON. */
  readonly jsonEdits?: boolean;
  readonly clock?: () => number;
}

/** A JSON edit for the upstream: the client's exact bytes when nothing changes, else re-serialized with the upstream's model name. */
function upstreamJsonBody(json: NonNullable<RelayEditJob['upstreamJson']>, model: string): { contentType: string; contentLength: number; open(): Readable } {
  const bytes = json.raw !== null && json.body.model === model ? Buffer.from(json.raw, 'utf8') : Buffer.from(JSON.stringify({ ...json.body, model }), 'utf8');
  return { contentType: 'application/json', contentLength: bytes.length, open: () => Readable.from([bytes]) };
}

/** What OpenAI-style upstreams accept; the capability table narrows it per model. */
export const upstreamCapabilities: EngineCapabilities = Object.freeze<EngineCapabilities>({
  inputFormats: ['png', 'jpeg', 'webp'],
  // gif and svg pass through as the upstream made them (models that make them: gpt-image-2.6).
  outputFormats: ['png', 'jpeg', 'webp', 'gif', 'svg'],
  maxInputImages: 16,
  maxOutputImagesPerCall: 10,
  mask: true,
  streaming: true,
  resize: true,
  markup: true,
  forwardsFields: true,
});

/** A completed upstream stream keeps its final event so it can be passed through unchanged. */
export interface RelayEditResult extends EditResult {
  readonly completedEvent?: UpstreamStreamEvent;
  /**
   * With `passUpstreamUrls`, the upstream's URLs, one per image; the images then carry no bytes
   * (their size is the requested one) and must not be published or inlined.
   */
  readonly upstreamUrls?: readonly string[];
}

interface UpstreamImagesBody {
  data?: Array<{ b64_json?: string; url?: string }>;
  usage?: EditUsage;
  svg_usage?: SvgUsage;
}

const unmeteredUsage: EditUsage = { total_tokens: 0, input_tokens: 0, output_tokens: 0, input_tokens_details: { text_tokens: 0, image_tokens: 0 } };

/** The upstream's `usage` as it came (every key kept), with its `svg_usage` carried inside for billing. */
function usageOf(body: UpstreamImagesBody): EditUsage | null {
  if (body.svg_usage === undefined) return body.usage ?? null;
  return { ...(body.usage ?? unmeteredUsage), svg_usage: body.svg_usage };
}

export class OpenAiImageEngine implements ImageEngine {
  readonly id: string;
  readonly capabilities = upstreamCapabilities;
  readonly #options: OpenAiImageEngineOptions;
  readonly #dispatcher: Agent;
  readonly #clock: () => number;

  constructor(options: OpenAiImageEngineOptions) {
    this.id = options.id;
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#dispatcher = new Agent({
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.firstByteTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
    });
  }

  async edit(job: RelayEditJob): Promise<RelayEditResult> {
    const target = upstreamEditTarget(this.#options.endpoint, job.model);
    const body = job.upstreamJson && this.#options.jsonEdits ? upstreamJsonBody(job.upstreamJson, job.model) : buildUpstreamMultipart({
      fields: upstreamFields(job),
      images: job.images,
      mask: job.mask,
      markup: job.markup ?? null,
    });
    const deadline = AbortSignal.timeout(this.#options.requestTimeoutMs);
    const signal = AbortSignal.any([job.signal, deadline]);
    let response: Dispatcher.ResponseData;
    try {
      response = await undiciRequest(target.url, {
        method: 'POST',
        dispatcher: this.#dispatcher,
        headers: {
          ...target.headers,
          'content-type': body.contentType,
          'content-length': String(body.contentLength),
          accept: job.stream ? 'text/event-stream' : 'application/json',
          'x-request-id': job.requestId,
          ...(job.traceparent ? { traceparent: job.traceparent } : {}),
        },
        body: body.open(),
        signal,
      });
    } catch (error) {
      throw this.#transportFailure(error, job.signal, 'sending the request');
    }
    try {
      if (response.statusCode >= 300) throw await this.#statusFailure(response);
      const contentType = String(response.headers['content-type'] ?? '');
      if (contentType.startsWith('text/event-stream')) return await this.#readStream(response, job);
      const text = await readCapped(response.body, this.#options.maxResponseBytes);
      const keepUrls = this.#options.passUpstreamUrls === true && job.responseFormat === 'url';
      return await this.#readJson(text, signal, job, keepUrls);
    } catch (error) {
      response.body.destroy();
      if (error instanceof EngineError) throw error;
      throw this.#transportFailure(error, job.signal, 'reading the response');
    }
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  #transportFailure(error: unknown, clientSignal: AbortSignal, stage: string): EngineError {
    if (clientSignal.aborted) return new EngineError('cancelled', 'The client went away.', false, null, { cause: error });
    const code = (error as { code?: string })?.code ?? (error as Error)?.name ?? 'unknown';
    return new UpstreamError(`Upstream '${this.id}' failed while ${stage}: ${code}.`, true, null, null, null, { cause: error });
  }

  async #statusFailure(response: Dispatcher.ResponseData): Promise<UpstreamError> {
    const text = await readCapped(response.body, 1024 * 1024).catch(() => '');
    const status = response.statusCode;
    const retryable = isRetryableStatus(status);
    const retryAfterMs = retryAfterFromHeaders(response.headers, this.#clock());
    return new UpstreamError(`Upstream '${this.id}' answered ${status}.`, retryable, retryAfterMs, status, parseUpstreamErrorBody(text));
  }

  async #readJson(text: string, signal: AbortSignal, job: RelayEditJob, keepUrls: boolean): Promise<RelayEditResult> {
    const keepUrlsFor = keepUrls ? job : null;
    let parsed: UpstreamImagesBody;
    try {
      parsed = JSON.parse(text) as UpstreamImagesBody;
    } catch (error) {
      throw new UpstreamError(`Upstream '${this.id}' sent a body that is not JSON.`, true, null, 200, null, { cause: error });
    }
    if (!Array.isArray(parsed.data) || parsed.data.length === 0) {
      throw new UpstreamError(`Upstream '${this.id}' sent no images.`, true, null, 200, null);
    }
    if (keepUrlsFor && parsed.data.every((datum) => typeof datum.url === 'string')) {
      const size = keepUrlsFor.size ?? { width: 0, height: 0 };
      const placeholder: EditOutputImage = { bytes: Buffer.alloc(0), format: keepUrlsFor.outputFormat, width: size.width, height: size.height };
      return { images: parsed.data.map(() => placeholder), usage: usageOf(parsed), upstreamUrls: parsed.data.map((datum) => datum.url!) };
    }
    const images: EditOutputImage[] = [];
    for (const datum of parsed.data) {
      if (typeof datum.b64_json === 'string') images.push(this.#outputImage(Buffer.from(datum.b64_json, 'base64'), job));
      else if (typeof datum.url === 'string') images.push(this.#outputImage(await this.#download(datum.url, signal), job));
      else throw new UpstreamError(`Upstream '${this.id}' sent an image with neither b64_json nor url.`, true, null, 200, null);
    }
    return { images, usage: usageOf(parsed) };
  }

  /** Upstream URLs are fetched here (size- and time-capped) so clients only ever see ours. */
  async #download(url: string, signal: AbortSignal): Promise<Buffer> {
    const response = await undiciRequest(url, { method: 'GET', dispatcher: this.#dispatcher, signal });
    if (response.statusCode !== 200) {
      response.body.destroy();
      throw new UpstreamError(`Upstream '${this.id}' image URL answered ${response.statusCode}.`, true, null, response.statusCode, null);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of response.body) {
      total += (chunk as Buffer).length;
      if (total > this.#options.maxResponseBytes) {
        response.body.destroy();
        throw new UpstreamError(`Upstream '${this.id}' image is larger than ${this.#options.maxResponseBytes} bytes.`, false, null, 200, null);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  /** The upstream's image, checked to be what was asked for (sniffed, never trusted). */
  #outputImage(bytes: Buffer, job: RelayEditJob): EditOutputImage {
    if (job.outputFormat === 'svg') {
      if (!looksLikeSvg(bytes)) throw new UpstreamError(`Upstream '${this.id}' sent bytes that are not an SVG document.`, true, null, 200, null);
      const size = job.size ?? svgSize(bytes);
      return { bytes, format: 'svg', width: size.width, height: size.height };
    }
    const facts = readImageFacts(bytes);
    const expected = job.outputFormat === 'gif' ? facts.format === 'gif' : facts.format !== 'unknown' && facts.format !== 'gif';
    if (!expected) {
      throw new UpstreamError(`Upstream '${this.id}' sent bytes that are not ${job.outputFormat === 'gif' ? 'a GIF' : 'a PNG, JPEG or WebP'} image.`, true, null, 200, null);
    }
    return { bytes, format: facts.format as OutputFormat, width: facts.width, height: facts.height };
  }

  async #readStream(response: Dispatcher.ResponseData, job: RelayEditJob): Promise<RelayEditResult> {
    for await (const event of readServerSentEvents(response.body)) {
      if (event.event === 'error' || event.event === 'image_edit.failed') {
        const body = parseUpstreamErrorBody(event.data);
        // An upstream fault, so retryable; the router knows whether anything reached the client already.
        throw new UpstreamError(`Upstream '${this.id}' stream failed: ${body?.message ?? event.data}`, true, null, 200, body);
      }
      if (event.event === 'image_edit.completed') {
        const completed = JSON.parse(event.data) as { b64_json?: string; usage?: EditUsage };
        if (typeof completed.b64_json !== 'string') throw new UpstreamError(`Upstream '${this.id}' completed event has no image.`, true, null, 200, null);
        return { images: [this.#outputImage(Buffer.from(completed.b64_json, 'base64'), job)], usage: completed.usage ?? null, completedEvent: event };
      }
      if (event.event === 'image_edit.partial_image') {
        job.onUpstreamEvent?.(event);
      }
    }
    throw new UpstreamError(`Upstream '${this.id}' stream ended before the completed event.`, true, null, 200, null);
  }
}

/**
 * The client's fields in its order, `model` rewritten in place (or put first when the client
 * relied on the default) and `n` set to this call's count when the core split it.
 */
export function upstreamFields(job: RelayEditJob): ForwardedField[] {
  const source = job.forwardedFields ?? fieldsFromJob(job);
  const fields = source.map((field) => {
    if (field.name === 'model') return { name: 'model', value: job.model };
    if (field.name === 'n') return { name: 'n', value: String(job.n) };
    return field;
  });
  if (!fields.some((field) => field.name === 'model')) fields.unshift({ name: 'model', value: job.model });
  if (!fields.some((field) => field.name === 'n') && job.n !== 1) fields.push({ name: 'n', value: String(job.n) });
  return fields;
}

/** For a job built without the client's fields: its resolved options, defaults left out. */
function fieldsFromJob(job: RelayEditJob): ForwardedField[] {
  const fields: ForwardedField[] = [{ name: 'prompt', value: job.prompt }];
  const add = (name: string, value: string | null) => value !== null && fields.push({ name, value });
  add('size', job.size ? `${job.size.width}x${job.size.height}` : null);
  add('output_format', job.outputFormat === 'png' ? null : job.outputFormat);
  add('output_compression', job.outputCompression === 100 ? null : String(job.outputCompression));
  add('quality', job.quality);
  add('background', job.background);
  add('input_fidelity', job.inputFidelity);
  add('user', job.user);
  return fields;
}

async function readCapped(body: AsyncIterable<Buffer>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > maxBytes) throw new Error(`response larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The engine contract. Every engine — the built-in fill engine, the stand-in used by
 * benchmarks and tests, and later the upstream providers (OpenAI, Azure, any
 * OpenAI-compatible relay) — implements `ImageEngine`. The HTTP layer validates a request
 * against the model's rules and the engine's declared capabilities before it calls `edit`,
 * so an engine may assume every field it receives is one it declared it can honour.
 *
 * Engines never import http, accounts or storage: they receive files on disk and return
 * image bytes; storing, signing, billing and retrying live outside.
 */
import type { ImageFacts, ImageFormat, OutputFormat } from '../images/image-facts.ts';

/** What an engine can do; the request validator refuses anything outside it. */
export interface EngineCapabilities {
  /** Input image formats it can read (sniffed from bytes, not from the part's content type). */
  readonly inputFormats: readonly ImageFormat[];
  /** Output formats it can encode. */
  readonly outputFormats: readonly OutputFormat[];
  /** Most input images one call can take (dall-e-2: 1, GPT image models: 16). */
  readonly maxInputImages: number;
  /** Most output images one call can produce; the core splits larger `n` into several calls. */
  readonly maxOutputImagesPerCall: number;
  /** Whether it honours a mask. */
  readonly mask: boolean;
  /** Whether it can emit partial images while it works (`stream=true`). */
  readonly streaming: boolean;
  /** Whether it can produce an output size other than the input's own. */
  readonly resize: boolean;
  /**
   * Whether it honours a `markup` overlay (a transparent PNG guiding the edit); absent: no.
   * The relay forwards it upstream; the built-in engines cannot use it, so it is refused there.
   */
  readonly markup?: boolean;
  /**
   * Whether it forwards the client's fields as sent (`RelayEditJob.forwardedFields`), which a
   * pass-through model needs; absent: no (the built-in engines read only `EditJob`).
   */
  readonly forwardsFields?: boolean;
}

/** One input file of a request, spooled to disk by the HTTP layer and sniffed. */
export interface EngineInputImage {
  /** Absolute path of the spooled upload; the file is removed after the request ends. */
  readonly path: string;
  /** Facts read from the file's header (format, width, height, alpha). */
  readonly facts: ImageFacts;
  /** Size of the file in bytes. */
  readonly byteLength: number;
  /** The part's filename as the client sent it (may be empty). */
  readonly filename: string;
}

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** A partial image emitted while streaming (`image_edit.partial_image`). */
export interface PartialImage {
  readonly index: number;
  readonly bytes: Buffer;
}

/** One edit, fully validated and resolved (no `auto` left where the core could resolve it). */
export interface EditJob {
  /** The request's `x-request-id`, for logs and upstream correlation. */
  readonly requestId: string;
  /** The model name the engine should use (the upstream's name for relayed models). */
  readonly model: string;
  readonly prompt: string;
  /** Input images in the client's wire order; the mask applies to the first. */
  readonly images: readonly EngineInputImage[];
  readonly mask: EngineInputImage | null;
  /** The `markup` overlay for the first image; only given to engines declaring `capabilities.markup`. */
  readonly markup?: EngineInputImage | null;
  /** How many images to return; never above `capabilities.maxOutputImagesPerCall`. */
  readonly n: number;
  /** Output size; `null` means the engine's own default (the input's size for the built-in engine). */
  readonly size: ImageSize | null;
  readonly outputFormat: OutputFormat;
  /** 0–100 for jpeg and webp; 100 for png. */
  readonly outputCompression: number;
  /** GPT image options, passed through to upstreams that honour them. */
  readonly quality: string | null;
  readonly background: string | null;
  readonly inputFidelity: string | null;
  readonly user: string | null;
  /** Number of partial images wanted when streaming (0 when not streaming). */
  readonly partialImages: number;
  /** Seed of the first output; output `i` uses `seed + i`, so a seed gives the same bytes every time. */
  readonly seed: number;
  /** Aborted when the client disconnects or the time budget runs out. */
  readonly signal: AbortSignal;
  /** Called for each partial image when `partialImages > 0`. */
  readonly onPartialImage?: (partial: PartialImage) => void;
}

/** Token usage of SVG authoring, which OpenAI reports apart from rendering (`ImagesResponse.svg_usage`). */
export interface SvgUsage {
  readonly input_tokens: number;
  /** The SVG author model. */
  readonly model: string;
  readonly output_tokens: number;
  /** Part of `output_tokens`, as OpenAI counts reasoning tokens. */
  readonly reasoning_tokens: number;
  readonly total_tokens: number;
}

/**
 * Token usage as GPT image models report it (openai-node 7.60.0 `ImagesResponse.Usage`), kept
 * whole: any key an upstream adds is carried as it came. `svg_usage` is the response's
 * top-level `svg_usage`, carried here so that one value holds everything billed; the JSON
 * answer puts it back beside `usage`.
 */
export interface EditUsage {
  readonly total_tokens: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly input_tokens_details: { readonly text_tokens: number; readonly image_tokens: number };
  readonly output_tokens_details?: { readonly text_tokens: number; readonly image_tokens: number };
  readonly svg_usage?: SvgUsage;
}

export interface EditOutputImage {
  readonly bytes: Buffer;
  readonly format: OutputFormat;
  readonly width: number;
  readonly height: number;
}

export interface EditResult {
  /** Exactly `job.n` images. */
  readonly images: readonly EditOutputImage[];
  /** Reported by engines that count tokens; null otherwise. */
  readonly usage: EditUsage | null;
}

export interface ImageEngine {
  /** Stable id used in configuration (`local`, `stand-in`, a channel name…). */
  readonly id: string;
  readonly capabilities: EngineCapabilities;
  /** Runs one edit. Rejects with `EngineError` for expected failures. */
  edit(job: EditJob): Promise<EditResult>;
  /** Releases threads, sockets and pools. */
  close(): Promise<void>;
}

export type EngineFailureKind =
  /** The engine's queue is full; retry later. */
  | 'overloaded'
  /** The job was aborted (client gone, budget exhausted). */
  | 'cancelled'
  /** The engine could not read an input (corrupt pixels past a valid header). */
  | 'invalid_input'
  /** Anything else. */
  | 'internal';

/** An expected engine failure. Retryability is decided here, once, by the engine. */
export class EngineError extends Error {
  constructor(
    readonly kind: EngineFailureKind,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EngineError';
  }

  /** A short label from a small fixed set, for metrics: the kind unless an adapter says more. */
  get reason(): string {
    return this.kind;
  }
}

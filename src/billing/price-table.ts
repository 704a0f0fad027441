/**
 * Prices from `billing` in the config, evaluated in integer micro-dollars. Per-image prices
 * (dall-e-2 style) go by output size; token prices (GPT image models) go by the upstream's
 * `usage`, text input, image input and image output each at its own rate — never all at a
 * text rate — plus SVG authoring (`svg_usage`, reported apart) at `svgInput`/`svgOutput`, which
 * default to the `textInput`/`imageOutput` rates so that unpriced SVG work is never free. The built-in engines have their own flat per-image price. Fractions of a
 * micro-dollar round up.
 *
 * `estimate` is what an edit reserves before it runs: the most any channel that may serve it
 * could charge. Text tokens are bounded by the prompt's UTF-8 bytes; image tokens are assumed
 * from `estimated*TokensPerImage` (defaults: OpenAI's largest output, 1024×1536 high quality, and
 * a generous input), plus `partialImageOutputTokens` per partial image. Where an upstream bills
 * more than that, the excess is still charged at settlement (see docs/relay.md).
 */
import type { PixelgateConfig } from '../config/config-schema.ts';
import type { EditUsage } from '../engines/engine.ts';

type BillingConfig = PixelgateConfig['billing'];
type ModelPrice = BillingConfig['prices'][number];
type TokenRates = NonNullable<ModelPrice['perMillionTokensUsd']>;

/** `svg_usage.output_tokens` already counts its `reasoning_tokens`, as OpenAI reports them. */
function svgAuthoringMicroUsd(usage: EditUsage, rates: TokenRates): number {
  const svg = usage.svg_usage;
  if (!svg) return 0;
  return svg.input_tokens * (rates.svgInput ?? rates.textInput) + svg.output_tokens * (rates.svgOutput ?? rates.imageOutput);
}

export interface EstimateInput {
  readonly model: string;
  /** Requested size as `WxH`; null for `auto`. */
  readonly size: string | null;
  readonly n: number;
  /** Input images, the mask included (it is sent as an image too). */
  readonly inputImages: number;
  /** The prompt's UTF-8 length: a text token covers at least one byte, so never fewer tokens. */
  readonly promptBytes: number;
  /** Partial images streamed back per output image (each is billed as extra output tokens). */
  readonly partialImages: number;
}

export interface ActualInput {
  readonly model: string;
  /** The produced size as `WxH`. */
  readonly size: string;
  readonly images: number;
  readonly usage: EditUsage | null;
  readonly builtIn: boolean;
}

const defaultEstimatedOutputTokensPerImage = 6240;
const defaultEstimatedInputTokensPerImage = 1600;
/** OpenAI bills each streamed partial image as 100 extra image output tokens. */
export const partialImageOutputTokens = 100;

export class PriceTable {
  readonly #builtInPerImageMicroUsd: number;
  readonly #byModel: ReadonlyMap<string, ModelPrice>;

  constructor(billing: BillingConfig) {
    this.#builtInPerImageMicroUsd = billing.builtInPerImageUsd * 1_000_000;
    this.#byModel = new Map(billing.prices.map((price) => [price.model, price]));
  }

  /** The reservation for an edit that may run on built-in and/or upstream channels. */
  estimateMicroUsd(input: EstimateInput, channels: { readonly builtIn: boolean }[]): number {
    let highest = 0;
    for (const channel of channels) {
      const cost = channel.builtIn ? this.#builtInPerImageMicroUsd * input.n : this.#upstreamEstimate(input);
      highest = Math.max(highest, cost);
    }
    return Math.ceil(highest);
  }

  actualMicroUsd(input: ActualInput): number {
    if (input.builtIn) return Math.ceil(this.#builtInPerImageMicroUsd * input.images);
    const price = this.#byModel.get(input.model);
    if (!price) return 0;
    if (price.perMillionTokensUsd && input.usage) {
      const rates = price.perMillionTokensUsd;
      const details = input.usage.input_tokens_details;
      // USD per million tokens is micro-dollars per token.
      const rendering = details.text_tokens * rates.textInput + details.image_tokens * rates.imageInput + input.usage.output_tokens * rates.imageOutput;
      return Math.ceil(rendering + svgAuthoringMicroUsd(input.usage, rates));
    }
    if (price.perImageUsd) return Math.ceil(perImage(price.perImageUsd, input.size) * 1_000_000 * input.images);
    // Token-priced but the upstream reported no usage: charge what was reserved for it.
    return this.#upstreamEstimate({ model: input.model, size: input.size, n: input.images, inputImages: 1, promptBytes: 0, partialImages: 0 });
  }

  #upstreamEstimate(input: EstimateInput): number {
    const price = this.#byModel.get(input.model);
    if (!price) return 0;
    if (price.perMillionTokensUsd) {
      const rates = price.perMillionTokensUsd;
      const outputTokens = ((price.estimatedOutputTokensPerImage ?? defaultEstimatedOutputTokensPerImage) + input.partialImages * partialImageOutputTokens) * input.n;
      const imageTokens = (price.estimatedInputTokensPerImage ?? defaultEstimatedInputTokensPerImage) * input.inputImages;
      const textTokens = input.promptBytes;
      return Math.ceil(textTokens * rates.textInput + imageTokens * rates.imageInput + outputTokens * rates.imageOutput);
    }
    if (price.perImageUsd) return Math.ceil(perImage(price.perImageUsd, input.size) * 1_000_000 * input.n);
    return 0;
  }
}

/** The size's own price, else `*`, else the highest listed (never undercharge an unlisted size). */
function perImage(prices: Readonly<Record<string, number>>, size: string | null): number {
  if (size !== null && prices[size] !== undefined) return prices[size];
  if (prices['*'] !== undefined) return prices['*'];
  return Math.max(0, ...Object.values(prices));
}

/**
 * The capability table: each model family's rules for `POST /v1/images/edits`, as data.
 * The validator, the multipart limits, the response shape and the OpenAPI document all read
 * these; no other code branches on a model's name. Sources: shared/spec/images-edits.md and,
 * for the GPT image rows (`gpt-image-rules.ts`), openai-node 7.60.0; `docs/models.md` is
 * generated from this table (`npm run docs:models`).
 */
import type { ImageFormat } from '../images/image-facts.ts';
import type { ApiErrorName } from './error-catalogue.ts';
import {
  dallE2QualitySchema,
  modelSchema,
  nSchema,
  outputCompressionSchema,
  outputFormatSchema,
  partialImagesSchema,
  promptSchema,
  responseFormatSchema,
  streamSchema,
  userSchema,
  safetyIdentifierSchema,
  type FieldSchemas,
  type ResponseFormat,
} from './edit-field-schemas.ts';
import { gptImageFamilyRows, gptImageRules } from './gpt-image-rules.ts';
import { sizeSchema } from './size-schema.ts';

const MEGABYTE = 1024 * 1024;

export interface FileRules {
  /** Part content types accepted as they are. */
  readonly mimeTypes: readonly string[];
  /** Whether `application/octet-stream` is accepted and the format decided from the bytes. */
  readonly acceptsOctetStream: boolean;
  /** Formats accepted once sniffed from the bytes. */
  readonly formats: readonly ImageFormat[];
  /** A file must be strictly smaller than this. */
  readonly maxFileBytes: number;
  /** The catalogue error for a file that is too large or (sniffed) of the wrong format. */
  readonly rejectError: Extract<ApiErrorName, 'image_not_png_or_too_large' | 'mask_not_png_or_too_large' | 'file_too_large'>;
}

export interface ImageRules extends FileRules {
  readonly maxCount: number;
  /** Whether several `image[]` parts are accepted (dall-e-2 takes exactly one file). */
  readonly acceptsArray: boolean;
  readonly requireSquare: boolean;
  /** dall-e-2: without a mask the image's own transparency is the mask, so it needs alpha. */
  readonly requireAlphaWithoutMask: boolean;
}

export type SizeRule =
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | {
      /** Presets, or any `WxH` within bounds. */
      readonly kind: 'dimensions';
      readonly presets: readonly string[];
      readonly multipleOf: number;
      readonly minSide: number;
      readonly maxSide: number;
      readonly maxPixels: number;
      /** Longest side over shortest side, at most. */
      readonly maxAspectRatio: number;
    };

export interface ModelRules {
  readonly family: string;
  readonly image: ImageRules;
  readonly mask: FileRules;
  /** Null when `markup` (a transparent PNG overlay guiding the edit) is not a parameter. */
  readonly markup: FileRules | null;
  /** Scalar fields accepted besides the files; any other field is an unknown parameter. */
  readonly fields: FieldSchemas;
  readonly size: SizeRule;
  readonly defaultSize: string;
  /** Null when `response_format` is not a parameter (GPT image models always answer b64_json). */
  readonly responseFormats: readonly ResponseFormat[] | null;
  readonly defaultResponseFormat: ResponseFormat;
  /** GPT image responses add the resolved `size`, `quality`, `background`, `output_format`. */
  readonly reportsResolvedOptions: boolean;
  readonly reportsUsage: boolean;
  /** Parameters only this family has (used to pick a default model when `model` is omitted). */
  readonly familyOnlyFields: readonly string[];
  /**
   * Pass-through: the fields are forwarded upstream as sent and not checked against this
   * table; only what Pixelgate itself acts on is read (see `parse-pass-through-request.ts`).
   */
  readonly passThrough: boolean;
}

const pngOnly = { mimeTypes: ['image/png'], formats: ['png'] as ImageFormat[] };
const anyRaster = {
  mimeTypes: ['image/jpeg', 'image/png', 'image/webp'],
  formats: ['jpeg', 'png', 'webp'] as ImageFormat[],
};

const dallE2Sizes: SizeRule = { kind: 'enum', values: ['256x256', '512x512', '1024x1024'] };

const dallE2: ModelRules = {
  family: 'dall-e-2',
  image: {
    ...pngOnly,
    // OpenAI refuses `application/octet-stream` parts for every model (unsupported_file_mimetype).
    acceptsOctetStream: false,
    maxFileBytes: 4 * MEGABYTE,
    rejectError: 'image_not_png_or_too_large',
    maxCount: 1,
    acceptsArray: false,
    requireSquare: true,
    requireAlphaWithoutMask: true,
  },
  mask: { ...pngOnly, acceptsOctetStream: false, maxFileBytes: 4 * MEGABYTE, rejectError: 'mask_not_png_or_too_large' },
  markup: null,
  fields: {
    prompt: promptSchema(1000),
    model: modelSchema,
    n: nSchema,
    size: sizeSchema(dallE2Sizes, '1024x1024'),
    response_format: responseFormatSchema('url'),
    quality: dallE2QualitySchema,
    user: userSchema,
    safety_identifier: safetyIdentifierSchema,
  },
  size: dallE2Sizes,
  defaultSize: '1024x1024',
  responseFormats: ['url', 'b64_json'],
  defaultResponseFormat: 'url',
  reportsResolvedOptions: false,
  reportsUsage: false,
  familyOnlyFields: [],
  passThrough: false,
};

const pixelgateFillSizes: SizeRule = {
  kind: 'dimensions',
  presets: ['auto'],
  multipleOf: 1,
  minSide: 16,
  maxSide: 4096,
  maxPixels: 4096 * 4096,
  maxAspectRatio: 16,
};

const pixelgateFill: ModelRules = {
  family: 'pixelgate-fill',
  image: {
    ...anyRaster,
    acceptsOctetStream: true,
    maxFileBytes: 50 * MEGABYTE,
    rejectError: 'file_too_large',
    maxCount: 1,
    acceptsArray: true,
    requireSquare: false,
    requireAlphaWithoutMask: false,
  },
  mask: { ...pngOnly, acceptsOctetStream: true, maxFileBytes: 50 * MEGABYTE, rejectError: 'file_too_large' },
  markup: null,
  fields: {
    prompt: promptSchema(32000),
    model: modelSchema,
    n: nSchema,
    size: sizeSchema(pixelgateFillSizes, 'auto'),
    response_format: responseFormatSchema('b64_json'),
    output_format: outputFormatSchema,
    output_compression: outputCompressionSchema,
    stream: streamSchema,
    partial_images: partialImagesSchema,
    user: userSchema,
    safety_identifier: safetyIdentifierSchema,
  },
  size: pixelgateFillSizes,
  defaultSize: 'auto',
  responseFormats: ['url', 'b64_json'],
  defaultResponseFormat: 'b64_json',
  reportsResolvedOptions: true,
  reportsUsage: false,
  familyOnlyFields: [],
  passThrough: false,
};

/**
 * Pass-through: for a served model whose rules Pixelgate does not know. Files are still sniffed
 * (a PNG, JPEG or WebP image, under 50 MB and `images.maxInputPixels`, octet-stream parts
 * included: the upstream is told the sniffed type); text fields go upstream as sent.
 */
const passThrough: ModelRules = {
  family: 'pass-through',
  image: { ...anyRaster, acceptsOctetStream: true, maxFileBytes: 50 * MEGABYTE, rejectError: 'file_too_large', maxCount: 16, acceptsArray: true, requireSquare: false, requireAlphaWithoutMask: false },
  mask: { ...anyRaster, acceptsOctetStream: true, maxFileBytes: 50 * MEGABYTE, rejectError: 'file_too_large' },
  markup: { ...pngOnly, acceptsOctetStream: true, maxFileBytes: 50 * MEGABYTE, rejectError: 'file_too_large' },
  fields: {},
  size: { kind: 'dimensions', presets: ['auto'], multipleOf: 1, minSide: 1, maxSide: 99_999, maxPixels: Number.MAX_SAFE_INTEGER, maxAspectRatio: Number.MAX_SAFE_INTEGER },
  defaultSize: 'auto',
  responseFormats: ['url', 'b64_json'],
  defaultResponseFormat: 'b64_json',
  reportsResolvedOptions: true,
  reportsUsage: true,
  familyOnlyFields: [],
  passThrough: true,
};

/** Every family this server knows, by the name config uses in `models[].rules`. */
export const modelRulesByFamily: Readonly<Record<string, ModelRules>> = {
  'dall-e-2': dallE2,
  ...Object.fromEntries(gptImageFamilyRows.map((row) => [row.family, gptImageRules(row)])),
  'pixelgate-fill': pixelgateFill,
  'pass-through': passThrough,
};

export const modelFamilies = Object.keys(modelRulesByFamily);

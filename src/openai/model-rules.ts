/**
 * The capability table: each model family's rules for `POST /v1/images/edits`, as data.
 * The validator, the multipart limits, the response shape and the OpenAPI document all read
 * these; no other code branches on a model's name. Sources: shared/spec/images-edits.md.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { ImageFormat } from '../images/image-facts.ts';
import type { ApiErrorName } from './error-catalogue.ts';
import {
  backgroundSchema,
  dallE2QualitySchema,
  gptQualitySchema,
  inputFidelitySchema,
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
}

const pngOnly = { mimeTypes: ['image/png'], formats: ['png'] as ImageFormat[] };
const anyRaster = {
  mimeTypes: ['image/jpeg', 'image/png', 'image/webp'],
  formats: ['jpeg', 'png', 'webp'] as ImageFormat[],
};

/** The schema of `size` for the OpenAPI document; `validate-size.ts` applies the rule itself. */
function sizeSchema(rule: SizeRule, defaultSize: string): TSchema {
  if (rule.kind === 'enum') return Type.Unsafe<string>({ type: 'string', enum: [...rule.values], default: defaultSize });
  return Type.Unsafe<string>({
    type: 'string',
    pattern: '^(auto|[0-9]+x[0-9]+)$',
    default: defaultSize,
    description: `One of ${rule.presets.join(', ')}, or WxH: sides ${rule.minSide}-${rule.maxSide} and multiples of ${rule.multipleOf}, at most ${rule.maxPixels} pixels, aspect ratio at most ${rule.maxAspectRatio}:1.`,
  });
}

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
};

const gptSizes = ['1024x1024', '1536x1024', '1024x1536', 'auto'];

function gptImage(family: string, overrides: { fidelity: boolean; size?: SizeRule }): ModelRules {
  const size: SizeRule = overrides.size ?? { kind: 'enum', values: gptSizes };
  const fields: Record<string, TSchema> = {
    prompt: promptSchema(32000),
    model: modelSchema,
    n: nSchema,
    size: sizeSchema(size, 'auto'),
    quality: gptQualitySchema,
    background: backgroundSchema,
    output_format: outputFormatSchema,
    output_compression: outputCompressionSchema,
    stream: streamSchema,
    partial_images: partialImagesSchema,
    user: userSchema,
    safety_identifier: safetyIdentifierSchema,
  };
  if (overrides.fidelity) fields.input_fidelity = inputFidelitySchema;
  return {
    family,
    image: {
      ...anyRaster,
      acceptsOctetStream: false,
      maxFileBytes: 50 * MEGABYTE,
      rejectError: 'file_too_large',
      maxCount: 16,
      acceptsArray: true,
      requireSquare: false,
      requireAlphaWithoutMask: false,
    },
    mask: { ...anyRaster, acceptsOctetStream: false, maxFileBytes: 50 * MEGABYTE, rejectError: 'file_too_large' },
    fields,
    size,
    defaultSize: 'auto',
    responseFormats: null,
    defaultResponseFormat: 'b64_json',
    reportsResolvedOptions: true,
    reportsUsage: true,
    familyOnlyFields: ['quality', 'background', 'output_format', 'output_compression', 'input_fidelity', 'stream', 'partial_images'],
  };
}

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
};

/** Every family this server knows, by the name config uses in `models[].rules`. */
export const modelRulesByFamily: Readonly<Record<string, ModelRules>> = {
  'dall-e-2': dallE2,
  'gpt-image-1': gptImage('gpt-image-1', { fidelity: true }),
  'gpt-image-1-mini': gptImage('gpt-image-1-mini', { fidelity: false }),
  'gpt-image-1.5': gptImage('gpt-image-1.5', { fidelity: true }),
  'gpt-image-2': gptImage('gpt-image-2', {
    fidelity: true,
    size: {
      kind: 'dimensions',
      presets: gptSizes,
      multipleOf: 16,
      minSide: 16,
      maxSide: 3840,
      maxPixels: 3840 * 2160,
      maxAspectRatio: 3,
    },
  }),
  'pixelgate-fill': pixelgateFill,
};

export const modelFamilies = Object.keys(modelRulesByFamily);

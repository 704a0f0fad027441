/**
 * The GPT image families as rows of data. Each row says what OpenAI documents for the family
 * (openai-node 7.60.0 `ImageEditParams`, the API reference and the model pages; see
 * docs/models.md for where those disagree and which reading is followed). `gptImageRules`
 * turns a row into the family's `ModelRules`; the next model is one more row.
 */
import type { TSchema } from '@sinclair/typebox';
import type { ImageFormat } from '../images/image-facts.ts';
import {
  backgroundSchema,
  complexitySchema,
  frameCountSchema,
  frameDurationMsSchema,
  gptQualitySchemaOf,
  modelSchema,
  moderationSchema,
  nSchema,
  outputCompressionSchema,
  outputFormatSchemaOf,
  partialImagesSchema,
  promptSchema,
  safetyIdentifierSchema,
  streamSchema,
  stringEnum,
  svgModelSchema,
  svgReasoningEffortSchema,
  userSchema,
  type RequestedOutputFormat,
} from './edit-field-schemas.ts';
import type { FileRules, ModelRules, SizeRule } from './model-rules.ts';
import { sizeSchema } from './size-schema.ts';

const MEGABYTE = 1024 * 1024;

export interface GptImageFamilyRow {
  readonly family: string;
  readonly quality: readonly string[];
  readonly size: SizeRule;
  /** Null: `input_fidelity` is not a parameter of the family. */
  readonly inputFidelity: readonly string[] | null;
  readonly background: boolean;
  readonly complexity: boolean;
  readonly moderation: boolean;
  /** `gif` brings `frame_count` and `frame_duration_ms`; `svg` brings `svg[model]` and `svg[reasoning][effort]`. */
  readonly outputFormats: readonly RequestedOutputFormat[];
  /** Whether a `markup` overlay file is accepted. */
  readonly markup: boolean;
}

const rasterFormats = ['png', 'jpeg', 'webp'] as const;
const standardQualities = ['low', 'medium', 'high', 'auto'];
export const gptSizes = ['1024x1024', '1536x1024', '1024x1536', 'auto'];
const standardSizes: SizeRule = { kind: 'enum', values: gptSizes };
/** gpt-image-2 and 2.5: any WxH, sides multiples of 16, 1:3 to 3:1, at most 3840x2160. */
const arbitrarySizes: SizeRule = {
  kind: 'dimensions',
  presets: gptSizes,
  multipleOf: 16,
  minSide: 16,
  maxSide: 3840,
  maxPixels: 3840 * 2160,
  maxAspectRatio: 3,
};

const common = { background: true, complexity: false, moderation: true, outputFormats: rasterFormats, markup: false } as const;

export const gptImageFamilyRows: readonly GptImageFamilyRow[] = [
  { ...common, family: 'gpt-image-1', quality: standardQualities, size: standardSizes, inputFidelity: ['high', 'low'] },
  { ...common, family: 'gpt-image-1-mini', quality: standardQualities, size: standardSizes, inputFidelity: ['low'] },
  { ...common, family: 'gpt-image-1.5', quality: standardQualities, size: standardSizes, inputFidelity: ['high', 'low'] },
  { ...common, family: 'gpt-image-2', quality: standardQualities, size: arbitrarySizes, inputFidelity: null },
  {
    ...common,
    family: 'gpt-image-2.5',
    quality: ['low', 'medium', 'high', 'xhigh', 'max', 'auto'],
    size: arbitrarySizes,
    inputFidelity: null,
    markup: true,
  },
  {
    ...common,
    family: 'gpt-image-2.6',
    quality: standardQualities,
    size: standardSizes,
    inputFidelity: null,
    complexity: true,
    outputFormats: [...rasterFormats, 'gif', 'svg'],
  },
  { ...common, family: 'chatgpt-image-latest', quality: standardQualities, size: standardSizes, inputFidelity: null },
];

const anyRaster = { mimeTypes: ['image/jpeg', 'image/png', 'image/webp'], formats: ['jpeg', 'png', 'webp'] as ImageFormat[] };

/** OpenAI refuses `application/octet-stream` parts for every model (unsupported_file_mimetype). */
const gptFile: FileRules = { ...anyRaster, acceptsOctetStream: false, maxFileBytes: 50 * MEGABYTE, rejectError: 'file_too_large' };

/** A transparent PNG overlaid on the first image; same size, with transparent pixels. */
const markupFile: FileRules = { mimeTypes: ['image/png'], formats: ['png'], acceptsOctetStream: false, maxFileBytes: 50 * MEGABYTE, rejectError: 'file_too_large' };

function fieldsOf(row: GptImageFamilyRow): Record<string, TSchema> {
  const fields: Record<string, TSchema> = {
    prompt: promptSchema(32000),
    model: modelSchema,
    n: nSchema,
    size: sizeSchema(row.size, 'auto'),
    quality: gptQualitySchemaOf(row.quality),
  };
  if (row.background) fields.background = backgroundSchema;
  fields.output_format = outputFormatSchemaOf(row.outputFormats);
  fields.output_compression = outputCompressionSchema;
  fields.stream = streamSchema;
  fields.partial_images = partialImagesSchema;
  if (row.inputFidelity) fields.input_fidelity = stringEnum(row.inputFidelity, { default: 'low' });
  if (row.complexity) fields.complexity = complexitySchema;
  if (row.moderation) fields.moderation = moderationSchema;
  if (row.outputFormats.includes('gif')) {
    fields.frame_count = frameCountSchema;
    fields.frame_duration_ms = frameDurationMsSchema;
  }
  if (row.outputFormats.includes('svg')) {
    fields['svg[model]'] = svgModelSchema;
    fields['svg[reasoning][effort]'] = svgReasoningEffortSchema;
  }
  fields.user = userSchema;
  fields.safety_identifier = safetyIdentifierSchema;
  return fields;
}

export function gptImageRules(row: GptImageFamilyRow): ModelRules {
  return {
    family: row.family,
    image: { ...gptFile, maxCount: 16, acceptsArray: true, requireSquare: false, requireAlphaWithoutMask: false },
    mask: gptFile,
    markup: row.markup ? markupFile : null,
    fields: fieldsOf(row),
    size: row.size,
    defaultSize: 'auto',
    responseFormats: null,
    defaultResponseFormat: 'b64_json',
    reportsResolvedOptions: true,
    reportsUsage: true,
    familyOnlyFields: ['quality', 'background', 'output_format', 'output_compression', 'input_fidelity', 'stream', 'partial_images'],
    passThrough: false,
  };
}

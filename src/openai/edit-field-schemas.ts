/**
 * JSON Schemas (TypeBox) of the scalar form fields of `POST /v1/images/edits`. They do three
 * jobs: `validate-edit-fields.ts` interprets them to produce OpenAI's exact errors, their
 * static types type the parsed request, and `openapi-document.ts` embeds them verbatim.
 * Multipart sends every scalar as text; the schemas describe the decoded value.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

export function stringEnum<Value extends string>(
  values: readonly Value[],
  options: { default?: Value; description?: string } = {},
): TUnsafe<Value> {
  return Type.Unsafe<Value>({ type: 'string', enum: [...values], ...options });
}

export const responseFormats = ['url', 'b64_json'] as const;
export type ResponseFormat = (typeof responseFormats)[number];

export const outputFormats = ['png', 'jpeg', 'webp'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** Output formats that are not a single raster image: animated GIF and SVG (gpt-image-2.6). */
export const vectorAndAnimatedFormats = ['gif', 'svg'] as const;
export type RequestedOutputFormat = OutputFormat | (typeof vectorAndAnimatedFormats)[number];

export function promptSchema(maxLength: number): TSchema {
  return Type.String({ maxLength, description: 'A text description of the desired image(s).' });
}

export const nSchema = Type.Integer({
  minimum: 1,
  maximum: 10,
  default: 1,
  description: 'The number of images to generate. Must be between 1 and 10.',
});

export const userSchema = Type.String({
  description: 'A unique identifier representing your end-user, which can help to monitor and detect abuse.',
});

/** What the newest SDKs send in place of the deprecated `user`. */
export const safetyIdentifierSchema = Type.String({
  maxLength: 64,
  description: 'A stable identifier for your end-user (for example a hash of their id), used to help detect users who may be violating usage policies.',
});

export const modelSchema = Type.String({ description: 'The model to use for image editing.' });

export function responseFormatSchema(defaultValue: ResponseFormat): TSchema {
  return stringEnum(responseFormats, {
    default: defaultValue,
    description: 'The format in which the generated images are returned. URLs are valid for 60 minutes.',
  });
}

export function outputFormatSchemaOf(values: readonly RequestedOutputFormat[]): TSchema {
  return stringEnum(values, { default: 'png', description: 'The format in which the generated images are returned.' });
}

export const outputFormatSchema = outputFormatSchemaOf(outputFormats);

export const outputCompressionSchema = Type.Integer({
  minimum: 0,
  maximum: 100,
  default: 100,
  description: 'The compression level (0-100%) for the generated images; jpeg and webp only.',
});

export function gptQualitySchemaOf(values: readonly string[]): TSchema {
  return stringEnum(values, { default: 'auto' });
}

export const gptQualitySchema = gptQualitySchemaOf(['low', 'medium', 'high', 'auto']);
export const dallE2QualitySchema = stringEnum(['standard'] as const, { default: 'standard' });
export const backgroundSchema = stringEnum(['transparent', 'opaque', 'auto'] as const, { default: 'auto' });
export const inputFidelitySchema = stringEnum(['high', 'low'] as const, { default: 'low' });
export const streamSchema = Type.Boolean({ default: false, description: 'Stream partial images as Server-Sent Events.' });
export const partialImagesSchema = Type.Integer({ minimum: 0, maximum: 3, default: 0 });

/** No default: OpenAI documents only "the image model's configured default" (see docs/models.md). */
export const complexitySchema = stringEnum(['low', 'medium', 'high'] as const, {
  description: 'Computation spent planning the image, independently of rendering quality.',
});
export const moderationSchema = stringEnum(['low', 'auto'] as const, { default: 'auto', description: 'Moderation level for GPT image models.' });
export const frameCountSchema = Type.Integer({
  minimum: 2,
  maximum: 16,
  default: 9,
  description: 'Number of frames for GIF output; only with output_format=gif.',
});
export const frameDurationMsSchema = Type.Integer({
  minimum: 20,
  default: 200,
  description: 'Delay per GIF frame in milliseconds (OpenAI rounds to 10 ms and caps at 655350); only with output_format=gif.',
});
export const svgModelSchema = Type.String({ description: 'The SVG author model (multipart `svg[model]`); only with output_format=svg.' });
export const svgReasoningEffortSchema = stringEnum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const, {
  description: "The SVG author's reasoning effort (multipart `svg[reasoning][effort]`); only with output_format=svg.",
});

export type FieldSchemas = Readonly<Record<string, TSchema>>;

/** The decoded value of a scalar field: the schemas only allow these. */
export type FieldValue = string | number | boolean;

export type StaticOf<Schema extends TSchema> = Static<Schema>;

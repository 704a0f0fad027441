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

export const outputFormatSchema = stringEnum(outputFormats, {
  default: 'png',
  description: 'The format in which the generated images are returned.',
});

export const outputCompressionSchema = Type.Integer({
  minimum: 0,
  maximum: 100,
  default: 100,
  description: 'The compression level (0-100%) for the generated images; jpeg and webp only.',
});

export const gptQualitySchema = stringEnum(['low', 'medium', 'high', 'auto'] as const, { default: 'auto' });
export const dallE2QualitySchema = stringEnum(['standard'] as const, { default: 'standard' });
export const backgroundSchema = stringEnum(['transparent', 'opaque', 'auto'] as const, { default: 'auto' });
export const inputFidelitySchema = stringEnum(['high', 'low'] as const, { default: 'low' });
export const streamSchema = Type.Boolean({ default: false, description: 'Stream partial images as Server-Sent Events.' });
export const partialImagesSchema = Type.Integer({ minimum: 0, maximum: 3, default: 0 });

export type FieldSchemas = Readonly<Record<string, TSchema>>;

/** The decoded value of a scalar field: the schemas only allow these. */
export type FieldValue = string | number | boolean;

export type StaticOf<Schema extends TSchema> = Static<Schema>;

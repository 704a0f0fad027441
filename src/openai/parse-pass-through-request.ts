/**
 * Pass-through mode (`rules: 'pass-through'` in `models.served`): for a model whose rules
 * Pixelgate does not know, the client's text fields are forwarded upstream exactly as sent and
 * are not checked against the capability table — whether a field exists, what values it takes
 * and whether a prompt is needed is the upstream's business, and its error reaches the client.
 *
 * Pixelgate still reads what it acts on itself, and refuses only what it could not act on:
 *  - `n` (images to count and bill), `partial_images` (the reservation): integers ≥ 1 / ≥ 0;
 *  - `stream` (how to read the answer): a boolean;
 *  - `response_format` (whether Pixelgate publishes URLs): `url` or `b64_json`;
 *  - `output_format`, `stream` and `markup` against the engine's capabilities, since an answer
 *    the engine cannot carry back would be paid for upstream and then lost;
 *  - every file is sniffed (type, size, pixel count) as for any model; only `image`/`image[]`,
 *    `mask` and `markup` files are carried, any other file part is an unknown parameter.
 */
import type { ImageSize } from '../engines/engine.ts';
import type { ImageFormat } from '../images/image-facts.ts';
import { checkEditFiles } from './check-edit-files.ts';
import { apiError } from './error-catalogue.ts';
import { responseFormats, type ResponseFormat } from './edit-field-schemas.ts';
import type { FormPart, FormTextPart } from './form-parts.ts';
import { checkEngineSupport } from './check-engine-support.ts';
import type { EditRequest, ServedModel } from './parse-edit-request.ts';
import { decodeField } from './validate-edit-fields.ts';
import { Type } from '@sinclair/typebox';

const carriedFiles = new Set(['image', 'image[]', 'mask', 'markup']);
const dimensionsPattern = /^(\d{1,5})x(\d{1,5})$/;

/** The fields Pixelgate itself reads, with the least each must be for it to act on it. */
const readSchemas = {
  n: Type.Integer({ minimum: 1 }),
  partial_images: Type.Integer({ minimum: 0 }),
  stream: Type.Boolean(),
  response_format: Type.Unsafe<string>({ type: 'string', enum: [...responseFormats] }),
};

function readField(fields: ReadonlyMap<string, FormTextPart>, name: keyof typeof readSchemas) {
  const part = fields.get(name);
  return part === undefined ? undefined : decodeField(name, part.value, readSchemas[name]);
}

/** `WxH` when the client sent one, for the reservation and URL placeholders; else the upstream decides. */
function sizeOf(value: string | undefined): ImageSize | null {
  const match = value === undefined ? null : dimensionsPattern.exec(value);
  return match ? { width: Number(match[1]), height: Number(match[2]) } : null;
}

export function parsePassThroughRequest(
  parts: readonly FormPart[],
  fields: ReadonlyMap<string, FormTextPart>,
  model: ServedModel,
  maxInputPixels: number,
): EditRequest {
  for (const part of parts) {
    if (part.kind === 'file' && !carriedFiles.has(part.fieldName)) throw apiError('unknown_parameter', { param: part.fieldName });
    if (part.kind === 'field' && carriedFiles.has(part.fieldName)) {
      throw apiError('invalid_type', { param: part.fieldName === 'image[]' ? 'image' : part.fieldName, expected: 'a file' });
    }
  }
  const n = Number(readField(fields, 'n') ?? 1);
  const stream = readField(fields, 'stream') === true;
  const outputFormat = fields.get('output_format')?.value ?? 'png';
  const hasMarkup = parts.some((part) => part.kind === 'file' && part.fieldName === 'markup');
  checkEngineSupport(model, outputFormat, stream, n, hasMarkup);
  const { images, mask, markup } = checkEditFiles(parts, model, maxInputPixels);
  const text = (name: string) => fields.get(name)?.value ?? null;
  return {
    model,
    prompt: text('prompt') ?? '',
    images,
    mask,
    markup,
    n,
    size: sizeOf(text('size') ?? undefined),
    responseFormat: (readField(fields, 'response_format') as ResponseFormat | undefined) ?? model.rules.defaultResponseFormat,
    outputFormat: outputFormat as ImageFormat,
    outputCompression: Number(text('output_compression') ?? 100) || 100,
    quality: text('quality'),
    background: text('background'),
    inputFidelity: text('input_fidelity'),
    stream,
    partialImages: Number(readField(fields, 'partial_images') ?? 0),
    user: text('user'),
    fields: [...fields.values()].map((part) => ({ name: part.fieldName, value: part.value })),
  };
}

/**
 * A JSON edit body (`Content-Type: application/json`, OpenAI's `EditImageBodyJsonParam`) turned
 * into the same form parts a multipart body gives, so it is validated by the same rules with
 * the same errors: `images` (1–16 `ImageRefParam`s: exactly one of `image_url` — an https URL or
 * a base64 data URL — or `file_id`) become `image[]` files, `mask` and `markup` (the same
 * references) their files, every other
 * field a text field after its JSON type is checked against the model's schema (an integer
 * field takes a JSON integer, not a string). Images named by URL are fetched by the
 * `ImageUrlFetcher` (private addresses refused); all bytes are spooled to disk like uploads.
 * JSON edits are for GPT image models only, as OpenAI says: others get `json_body_not_supported`.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { readImageFacts } from '../images/read-image-facts.ts';
import { apiError } from '../openai/error-catalogue.ts';
import type { FormFilePart, FormPart } from '../openai/form-parts.ts';
import type { UpstreamJsonBody } from '../openai/parse-edit-request.ts';
import type { ServedModels } from '../openai/model-directory.ts';
import { ImageUrlError, type ImageUrlFetcher } from '../net/image-url-fetcher.ts';

/** Where `file_id` references are read (the files API), for the caller's scope. */
export interface UploadedFiles {
  /** The file's bytes when `scope` uploaded it and it still exists; null otherwise. */
  find(scope: string, id: string): Promise<{ readonly bytes: Buffer; readonly filename: string } | null>;
}

export interface JsonEditSources {
  readonly models: ServedModels;
  readonly fetcher: ImageUrlFetcher;
  readonly files: UploadedFiles | null;
  readonly scope: string;
  readonly signal?: AbortSignal;
}

/** OpenAI's cap on one `image_url` (a data URL included). */
const maxImageUrlLength = 20_971_520;
const maxImages = 16;
const headerBytes = 4096;
/** Families that take multipart only. */
const multipartOnlyFamilies = new Set(['dall-e-2', 'pixelgate-fill']);

function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** A field's value as the multipart text it stands for, once its JSON type fits the schema. */
function fieldText(name: string, value: unknown, schema: TSchema | undefined): string {
  const kind = (schema as { type?: string } | undefined)?.type ?? (schema && 'anyOf' in schema ? 'string' : undefined);
  const expected = kind === 'integer' ? 'an integer' : kind === 'number' ? 'a number' : kind === 'boolean' ? 'a boolean' : 'a string';
  const fits =
    kind === 'integer' ? Number.isInteger(value) : kind === 'number' ? typeof value === 'number' : kind === 'boolean' ? typeof value === 'boolean' : typeof value === 'string';
  if (!fits) throw apiError('invalid_json_type', { param: name, expected, got: jsonTypeName(value) });
  return String(value);
}

interface ImageRef {
  readonly imageUrl?: string;
  readonly fileId?: string;
}

function imageRef(value: unknown, param: string): ImageRef {
  const expected = "an object with exactly one of 'image_url' or 'file_id'";
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw apiError('invalid_json_type', { param, expected, got: jsonTypeName(value) });
  const entries = Object.entries(value as Record<string, unknown>);
  const known = entries.filter(([key]) => key === 'image_url' || key === 'file_id');
  const unknown = entries.find(([key]) => key !== 'image_url' && key !== 'file_id');
  if (unknown) throw apiError('unknown_parameter', { param: `${param}.${unknown[0]}` });
  if (known.length !== 1) throw apiError('invalid_json_type', { param, expected, got: known.length === 0 ? 'neither' : 'both' });
  const [key, text] = known[0];
  if (typeof text !== 'string') throw apiError('invalid_json_type', { param: `${param}.${key}`, expected: 'a string', got: jsonTypeName(text) });
  if (text.length > maxImageUrlLength) throw apiError('string_above_max_length', { param: `${param}.${key}`, maximum: maxImageUrlLength, actual: text.length });
  return key === 'image_url' ? { imageUrl: text } : { fileId: text };
}

function decodeDataUrl(url: string, param: string): { bytes: Buffer; contentType: string } {
  const match = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?((?:;[a-z0-9-]+=[^;,]*)*);base64,([A-Za-z0-9+/=\s]*)$/i.exec(url);
  if (!match) throw apiError('invalid_image_url', { param, reason: "it is not a base64 data URL ('data:image/png;base64,…')" });
  const bytes = Buffer.from(match[3], 'base64');
  if (bytes.length === 0) throw apiError('invalid_image_url', { param, reason: 'the data URL holds no bytes' });
  return { bytes, contentType: (match[1] ?? 'application/octet-stream').toLowerCase() };
}

export interface JsonEditForm {
  readonly parts: FormPart[];
  /** The body to forward to upstreams that take JSON edits. */
  readonly upstreamJson: UpstreamJsonBody;
}

/**
 * The form parts of a JSON edit body (files written under `spoolDirectory`), and the body as it
 * may go upstream: `raw` unchanged, unless a `file_id` had to become a data URL.
 */
export async function jsonEditBodyToParts(body: unknown, raw: string | null, spoolDirectory: string, sources: JsonEditSources): Promise<JsonEditForm> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw apiError('invalid_json_type', { param: 'body', expected: 'an object', got: jsonTypeName(body) });
  const record = body as Record<string, unknown>;
  const modelId = typeof record.model === 'string' ? record.model : sources.models.defaultGptImageModel;
  const model = sources.models.find(modelId);
  if (model === null) throw apiError('model_not_found', { model: modelId });
  if (multipartOnlyFamilies.has(model.rules.family)) throw apiError('json_body_not_supported', { model: model.id });

  if (record.images === undefined) throw apiError('missing_required_parameter', { param: 'images' });
  if (!Array.isArray(record.images)) throw apiError('invalid_json_type', { param: 'images', expected: 'an array', got: jsonTypeName(record.images) });
  if (record.images.length === 0) throw apiError('missing_required_parameter', { param: 'images' });
  if (record.images.length > maxImages) throw apiError('image_array_too_long', { maximum: maxImages, actual: record.images.length });
  const images = record.images.map((value, index) => imageRef(value, `images[${index}]`));
  const mask = record.mask === undefined || record.mask === null ? null : imageRef(record.mask, 'mask');
  const markup = record.markup === undefined || record.markup === null ? null : imageRef(record.markup, 'markup');

  const parts: FormPart[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (name === 'images' || name === 'mask' || name === 'markup' || value === undefined) continue;
    if (name === 'image') throw apiError('unknown_parameter', { param: 'image' });
    const schema = model.rules.fields[name];
    // Unknown fields go on as text: the model's rules refuse them with OpenAI's error.
    parts.push({ kind: 'field', fieldName: name, value: schema ? fieldText(name, value, schema) : typeof value === 'string' ? value : JSON.stringify(value) });
  }
  if (typeof record.model !== 'string') parts.push({ kind: 'field', fieldName: 'model', value: model.id });
  await mkdir(spoolDirectory, { recursive: true });
  const spooled: FormFilePart[] = [];
  for (const [index, ref] of images.entries()) spooled.push(await spoolImage(ref, `images[${index}]`, 'image[]', index, spoolDirectory, sources));
  if (mask) spooled.push(await spoolImage(mask, 'mask', 'mask', images.length, spoolDirectory, sources));
  if (markup) spooled.push(await spoolImage(markup, 'markup', 'markup', images.length + 1, spoolDirectory, sources));
  parts.push(...spooled);
  const references = [...images, ...(mask ? [mask] : []), ...(markup ? [markup] : [])];
  if (!references.some((ref) => ref.fileId !== undefined)) return { parts, upstreamJson: { raw, body: record } };
  // This server's file ids mean nothing upstream: those images go as data URLs.
  const asDataUrl = (ref: ImageRef, part: FormFilePart) => (ref.fileId === undefined ? { image_url: ref.imageUrl } : { image_url: `data:${part.contentType};base64,${readFileSync(part.path).toString('base64')}` });
  const forwarded: Record<string, unknown> = { ...record, images: images.map((ref, index) => asDataUrl(ref, spooled[index])) };
  if (mask) forwarded.mask = asDataUrl(mask, spooled[images.length]);
  if (markup) forwarded.markup = asDataUrl(markup, spooled[images.length + (mask ? 1 : 0)]);
  return { parts, upstreamJson: { raw: null, body: forwarded } };
}

async function spoolImage(ref: ImageRef, param: string, fieldName: string, index: number, spoolDirectory: string, sources: JsonEditSources): Promise<FormFilePart> {
  let bytes: Buffer;
  let contentType: string;
  let filename = fieldName === 'image[]' ? `image-${index}` : fieldName;
  if (ref.fileId !== undefined) {
    const file = sources.files ? await sources.files.find(sources.scope, ref.fileId) : null;
    if (file === null) throw apiError('file_not_found', { id: ref.fileId.slice(0, 100) });
    bytes = file.bytes;
    contentType = sniffedType(bytes, param);
    filename = file.filename;
  } else if (ref.imageUrl!.startsWith('data:')) {
    ({ bytes, contentType } = decodeDataUrl(ref.imageUrl!, `${param}.image_url`));
  } else {
    try {
      bytes = await sources.fetcher.fetch(ref.imageUrl!, sources.signal);
    } catch (error) {
      if (error instanceof ImageUrlError) throw apiError('invalid_image_url', { param: `${param}.image_url`, reason: error.message });
      throw error;
    }
    contentType = sniffedType(bytes, `${param}.image_url`);
  }
  const filePath = path.join(spoolDirectory, `json-${index}-${fieldName === 'image[]' ? 'image' : fieldName}`);
  await writeFile(filePath, bytes);
  return { kind: 'file', fieldName, filename, contentType, path: filePath, byteLength: bytes.length, header: bytes.subarray(0, headerBytes) };
}

/** A fetched or stored file's type from its bytes (there is no part header to read it from). */
function sniffedType(bytes: Buffer, param: string): string {
  const { format } = readImageFacts(bytes.subarray(0, headerBytes));
  if (format === 'png' || format === 'jpeg' || format === 'webp' || format === 'gif') return `image/${format}`;
  throw apiError('invalid_image_url', { param, reason: 'it is not a PNG, JPEG or WebP image' });
}

/**
 * Turns the parts of a `POST /v1/images/edits` body into a validated `EditRequest`, applying
 * the requested model's rules from the capability table and its engine's capabilities.
 * Checks run in a fixed order (model, unknown parameters, required ones, scalar values,
 * combinations, engine support, files) so that a request with several faults always gets the
 * same error. A pass-through model skips the table (`parse-pass-through-request.ts`).
 */
import type { EngineCapabilities, EngineInputImage, ImageSize } from '../engines/engine.ts';
import type { ImageFormat, OutputFormat } from '../images/image-facts.ts';
import { checkEditFiles, isImageField } from './check-edit-files.ts';
import { checkEngineSupport } from './check-engine-support.ts';
import { checkOutputFormatRules } from './check-output-format.ts';
import { apiError } from './error-catalogue.ts';
import type { FieldValue, ResponseFormat } from './edit-field-schemas.ts';
import type { FormPart, FormTextPart } from './form-parts.ts';
import type { ModelRules } from './model-rules.ts';
import { parsePassThroughRequest } from './parse-pass-through-request.ts';
import { decodeField } from './validate-edit-fields.ts';
import { validateSize } from './validate-size.ts';

/** A model this server serves, with what its engine can do. */
export interface ServedModel {
  readonly id: string;
  readonly rules: ModelRules;
  readonly engineId: string;
  /** The name passed to the engine (the upstream's model name for relayed models). */
  readonly engineModel: string;
  readonly capabilities: EngineCapabilities;
}

export interface ModelDirectory {
  find(id: string): ServedModel | null;
  readonly defaultModel: string;
  readonly defaultGptImageModel: string;
}

export interface UpstreamJsonBody {
  readonly raw: string | null;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface EditRequest {
  readonly model: ServedModel;
  readonly prompt: string;
  readonly images: readonly EngineInputImage[];
  readonly mask: EngineInputImage | null;
  /** The `markup` overlay (a transparent PNG guiding the edit of the first image), forwarded upstream. */
  readonly markup: EngineInputImage | null;
  readonly n: number;
  /** Null for `auto`. */
  readonly size: ImageSize | null;
  readonly responseFormat: ResponseFormat;
  readonly outputFormat: OutputFormat;
  readonly outputCompression: number;
  readonly quality: string | null;
  readonly background: string | null;
  readonly inputFidelity: string | null;
  readonly stream: boolean;
  readonly partialImages: number;
  readonly user: string | null;
  /** The client's text fields exactly as sent, in wire order (forwarded to upstreams). */
  readonly fields: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  /**
   * The client's JSON body, for upstreams that take JSON edits (OpenAI, Azure): forwarded with
   * its image URLs as they are (the upstream fetches them). `raw` is the body's exact text, or
   * null when it had to change (a `file_id` of this server's replaced by a data URL).
   */
  readonly upstreamJson?: UpstreamJsonBody;
}

const fileFields = new Set(['image', 'image[]', 'mask', 'markup']);

function resolveModel(fields: ReadonlyMap<string, FormTextPart>, directory: ModelDirectory, allNames: Set<string>): ServedModel {
  const requested = fields.get('model')?.value;
  if (requested !== undefined) {
    const model = directory.find(requested);
    if (!model) throw apiError('model_not_found', { model: requested });
    return model;
  }
  const gptCandidate = directory.find(directory.defaultGptImageModel);
  if (gptCandidate && gptCandidate.rules.familyOnlyFields.some((name) => allNames.has(name))) return gptCandidate;
  const fallback = directory.find(directory.defaultModel);
  if (!fallback) throw apiError('model_not_found', { model: directory.defaultModel });
  return fallback;
}

function collectTextFields(parts: readonly FormPart[]): Map<string, FormTextPart> {
  const fields = new Map<string, FormTextPart>();
  for (const part of parts) {
    if (part.kind !== 'field' || fileFields.has(part.fieldName)) continue;
    if (fields.has(part.fieldName)) throw apiError('duplicate_parameter', { param: part.fieldName });
    fields.set(part.fieldName, part);
  }
  return fields;
}

function checkPartKinds(parts: readonly FormPart[], rules: ModelRules): void {
  for (const part of parts) {
    if (part.kind === 'field' && isImageField(part.fieldName)) {
      throw apiError('invalid_type', { param: 'image', expected: 'one of an array of files or file' });
    }
    if (part.kind === 'field' && (part.fieldName === 'mask' || part.fieldName === 'markup')) {
      throw apiError('invalid_type', { param: part.fieldName, expected: 'a file' });
    }
    if (part.kind === 'file' && part.fieldName === 'markup' && rules.markup === null) throw apiError('unknown_parameter', { param: 'markup' });
    if (part.kind === 'file' && !fileFields.has(part.fieldName)) {
      if (!(part.fieldName in rules.fields)) throw apiError('unknown_parameter', { param: part.fieldName });
      throw apiError('text_sent_as_file', { param: part.fieldName, expected: 'a string' });
    }
  }
}

function decodeFields(fields: ReadonlyMap<string, FormTextPart>, rules: ModelRules): Map<string, FieldValue> {
  for (const name of fields.keys()) {
    if (!(name in rules.fields)) throw apiError('unknown_parameter', { param: name });
  }
  const prompt = fields.get('prompt');
  if (prompt === undefined) throw apiError('missing_required_parameter', { param: 'prompt' });
  if (prompt.value.length === 0) throw apiError('empty_string', { param: 'prompt' });
  const values = new Map<string, FieldValue>();
  for (const [name, schema] of Object.entries(rules.fields)) {
    const part = fields.get(name);
    if (part !== undefined) values.set(name, decodeField(name, part.value, schema));
    else if (schema.default !== undefined) values.set(name, schema.default as FieldValue);
  }
  return values;
}

function checkCombinations(values: ReadonlyMap<string, FieldValue>, fields: ReadonlyMap<string, FormTextPart>, parts: readonly FormPart[]): void {
  const hasFile = (name: string) => parts.some((part) => part.kind === 'file' && part.fieldName === name);
  if (hasFile('markup') && hasFile('mask')) {
    throw apiError('unsupported_combination', { param: 'markup', reason: "'markup' cannot be combined with 'mask': send one or the other." });
  }
  checkOutputFormatRules({ values, sent: new Set(fields.keys()), hasMask: hasFile('mask') });
  const outputFormat = values.get('output_format');
  if (values.get('background') === 'transparent' && outputFormat === 'jpeg') {
    throw apiError('unsupported_combination', {
      param: 'background',
      reason: "Transparent background is not supported for output_format 'jpeg'. Use 'png' or 'webp'.",
    });
  }
  const compression = values.get('output_compression');
  if (outputFormat === 'png' && typeof compression === 'number' && compression < 100) {
    throw apiError('unsupported_combination', {
      param: 'output_compression',
      reason: 'Compression less than 100 is not supported for PNG output format.',
    });
  }
}

function optionalString(values: ReadonlyMap<string, FieldValue>, name: string): string | null {
  const value = values.get(name);
  return value === undefined ? null : String(value);
}

export function parseEditRequest(parts: readonly FormPart[], directory: ModelDirectory, maxInputPixels: number): EditRequest {
  const fields = collectTextFields(parts);
  const model = resolveModel(fields, directory, new Set(parts.map((part) => part.fieldName)));
  if (model.rules.passThrough) return parsePassThroughRequest(parts, fields, model, maxInputPixels);
  const { rules } = model;
  checkPartKinds(parts, rules);
  const values = decodeFields(fields, rules);
  const size = validateSize(String(values.get('size') ?? rules.defaultSize), rules.size);
  if (size && !model.capabilities.resize && fields.has('size')) {
    throw apiError('invalid_size', { value: String(values.get('size')), rule: `Model '${model.id}' returns the input's size; use 'auto'.` });
  }
  checkCombinations(values, fields, parts);
  const outputFormat = String(values.get('output_format') ?? 'png');
  const hasMarkup = parts.some((part) => part.kind === 'file' && part.fieldName === 'markup');
  checkEngineSupport(model, outputFormat, values.get('stream') === true, Number(values.get('n') ?? 1), hasMarkup);
  const { images, mask, markup } = checkEditFiles(parts, model, maxInputPixels);
  return {
    model,
    prompt: String(values.get('prompt')),
    images,
    mask,
    markup,
    n: Number(values.get('n') ?? 1),
    size,
    responseFormat: (values.get('response_format') as ResponseFormat | undefined) ?? rules.defaultResponseFormat,
    // Only the engine's own output formats pass `checkEngineSupport`.
    outputFormat: outputFormat as OutputFormat,
    outputCompression: Number(values.get('output_compression') ?? 100),
    quality: optionalString(values, 'quality'),
    background: optionalString(values, 'background'),
    inputFidelity: optionalString(values, 'input_fidelity'),
    stream: values.get('stream') === true,
    partialImages: Number(values.get('partial_images') ?? 0),
    user: optionalString(values, 'user'),
    fields: [...fields.values()].map((part) => ({ name: part.fieldName, value: part.value })),
  };
}

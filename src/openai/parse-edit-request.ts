/**
 * Turns the parts of a `POST /v1/images/edits` body into a validated `EditRequest`, applying
 * the requested model's rules from the capability table and its engine's capabilities.
 * Checks run in a fixed order (model, unknown parameters, required ones, scalar values,
 * combinations, files) so that a request with several faults always gets the same error.
 */
import type { EngineCapabilities, EngineInputImage, ImageSize } from '../engines/engine.ts';
import type { ImageFormat } from '../images/image-facts.ts';
import { apiError } from './error-catalogue.ts';
import type { FieldValue, ResponseFormat } from './edit-field-schemas.ts';
import type { FormFilePart, FormPart, FormTextPart } from './form-parts.ts';
import type { ModelRules } from './model-rules.ts';
import { decodeField } from './validate-edit-fields.ts';
import { validateImageFile } from './validate-image-file.ts';
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

export interface EditRequest {
  readonly model: ServedModel;
  readonly prompt: string;
  readonly images: readonly EngineInputImage[];
  readonly mask: EngineInputImage | null;
  readonly n: number;
  /** Null for `auto`. */
  readonly size: ImageSize | null;
  readonly responseFormat: ResponseFormat;
  readonly outputFormat: ImageFormat;
  readonly outputCompression: number;
  readonly quality: string | null;
  readonly background: string | null;
  readonly inputFidelity: string | null;
  readonly stream: boolean;
  readonly partialImages: number;
  readonly user: string | null;
  /** The client's text fields exactly as sent, in wire order (forwarded to upstreams). */
  readonly fields: ReadonlyArray<{ readonly name: string; readonly value: string }>;
}

const fileFields = new Set(['image', 'image[]', 'mask']);

function isImageField(name: string): boolean {
  return name === 'image' || name === 'image[]';
}

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
    if (part.kind === 'field' && part.fieldName === 'mask') throw apiError('invalid_type', { param: 'mask', expected: 'a file' });
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

function checkCombinations(values: ReadonlyMap<string, FieldValue>): void {
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

/** Options the model's rules allow but its engine here cannot honour are refused, never dropped. */
function checkEngineSupport(model: ServedModel, outputFormat: ImageFormat, stream: boolean, n: number): void {
  if (!model.capabilities.outputFormats.includes(outputFormat)) {
    throw apiError('invalid_value', { param: 'output_format', value: outputFormat, supported: model.capabilities.outputFormats });
  }
  if (stream && !model.capabilities.streaming) {
    throw apiError('unsupported_combination', {
      param: 'stream',
      reason: `Streaming is not supported for the model '${model.id}' on this server.`,
    });
  }
  if (stream && n > 1) {
    throw apiError('unsupported_combination', { param: 'n', reason: 'Streaming returns one image: use n=1 with stream=true.' });
  }
}

interface CheckedFiles {
  readonly images: EngineInputImage[];
  readonly mask: EngineInputImage | null;
}

function checkFiles(parts: readonly FormPart[], model: ServedModel, maxInputPixels: number): CheckedFiles {
  const { rules, capabilities } = model;
  const imageParts = parts.filter((part): part is FormFilePart => part.kind === 'file' && isImageField(part.fieldName));
  const maskParts = parts.filter((part): part is FormFilePart => part.kind === 'file' && part.fieldName === 'mask');
  if (imageParts.length === 0) throw apiError('missing_required_parameter', { param: 'image' });
  if (imageParts.length > 1 && !rules.image.acceptsArray) throw apiError('file_array_not_allowed', { param: 'image' });
  const maxCount = Math.min(rules.image.maxCount, capabilities.maxInputImages);
  if (imageParts.length > maxCount) throw apiError('image_array_too_long', { maximum: maxCount, actual: imageParts.length });
  if (maskParts.length > 1) throw apiError('file_array_not_allowed', { param: 'mask' });

  const asArray = imageParts.some((part) => part.fieldName === 'image[]');
  const images = imageParts.map((part, index) =>
    validateImageFile(part, rules.image, {
      param: asArray ? `image[${index}]` : 'image',
      imageNumber: index + 1,
      maxInputPixels,
    }),
  );
  const first = images[0].facts;
  if (rules.image.requireSquare && images.some((image) => image.facts.width !== image.facts.height)) {
    throw apiError('image_not_square');
  }
  if (maskParts.length === 0) {
    if (rules.image.requireAlphaWithoutMask && !first.hasAlpha && first.colorMode !== 'L') {
      throw apiError('image_mode_without_alpha', { mode: first.colorMode });
    }
    return { images, mask: null };
  }
  const mask = validateImageFile(maskParts[0], rules.mask, { param: 'mask', imageNumber: 1, maxInputPixels });
  if (mask.facts.width !== first.width || mask.facts.height !== first.height) throw apiError('mask_size_mismatch');
  if (!mask.facts.hasAlpha) throw apiError('mask_missing_alpha');
  return { images, mask };
}

function optionalString(values: ReadonlyMap<string, FieldValue>, name: string): string | null {
  const value = values.get(name);
  return value === undefined ? null : String(value);
}

export function parseEditRequest(parts: readonly FormPart[], directory: ModelDirectory, maxInputPixels: number): EditRequest {
  const fields = collectTextFields(parts);
  const model = resolveModel(fields, directory, new Set(parts.map((part) => part.fieldName)));
  const { rules } = model;
  checkPartKinds(parts, rules);
  const values = decodeFields(fields, rules);
  const size = validateSize(String(values.get('size') ?? rules.defaultSize), rules.size);
  if (size && !model.capabilities.resize && fields.has('size')) {
    throw apiError('invalid_size', { value: String(values.get('size')), rule: `Model '${model.id}' returns the input's size; use 'auto'.` });
  }
  checkCombinations(values);
  const outputFormat = (values.get('output_format') ?? 'png') as ImageFormat;
  checkEngineSupport(model, outputFormat, values.get('stream') === true, Number(values.get('n') ?? 1));
  const { images, mask } = checkFiles(parts, model, maxInputPixels);
  return {
    model,
    prompt: String(values.get('prompt')),
    images,
    mask,
    n: Number(values.get('n') ?? 1),
    size,
    responseFormat: (values.get('response_format') as ResponseFormat | undefined) ?? rules.defaultResponseFormat,
    outputFormat,
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

/**
 * Checks one uploaded file (an image or the mask) against a model's file rules, from the
 * part's content type, its byte length and the facts read from its header — never by
 * decoding it, so corrupt files and decompression bombs cost almost nothing to refuse.
 */
import type { EngineInputImage } from '../engines/engine.ts';
import type { ImageFacts } from '../images/image-facts.ts';
import { readImageFacts } from '../images/read-image-facts.ts';
import type { FormFilePart } from './form-parts.ts';
import { apiError, type ApiError } from './error-catalogue.ts';
import type { FileRules } from './model-rules.ts';

const OCTET_STREAM = 'application/octet-stream';

export interface FileCheckContext {
  /** The name OpenAI uses in messages: `image`, `image[1]`, `mask`. */
  readonly param: string;
  /** 1-based position among the images, for `invalid_image_file` messages. */
  readonly imageNumber: number;
  readonly maxInputPixels: number;
}

/** The error for a file over its model's size limit. */
export function fileRejection(rules: FileRules, param: string): ApiError {
  if (rules.rejectError === 'file_too_large') return apiError('file_too_large', { param, limitBytes: rules.maxFileBytes });
  return apiError(rules.rejectError);
}

function checkContentType(part: FormFilePart, rules: FileRules, param: string): void {
  if (part.contentType === null) throw apiError('missing_file_mimetype', { param });
  const mimetype = part.contentType.toLowerCase();
  if (mimetype === OCTET_STREAM && rules.acceptsOctetStream) return;
  if (!rules.mimeTypes.includes(mimetype)) {
    throw apiError('unsupported_file_mimetype', { param, mimetype, supported: rules.mimeTypes });
  }
}

function checkFacts(facts: ImageFacts, rules: FileRules, context: FileCheckContext): void {
  if (facts.format === 'unknown' || facts.width === 0 || facts.height === 0) {
    throw apiError('invalid_image_file', { imageNumber: context.imageNumber });
  }
  if (!(rules.formats as readonly string[]).includes(facts.format)) {
    if (rules.rejectError !== 'file_too_large') throw apiError(rules.rejectError);
    throw apiError('unsupported_file_mimetype', {
      param: context.param,
      mimetype: `image/${facts.format}`,
      supported: rules.mimeTypes,
    });
  }
  const pixels = facts.width * facts.height;
  if (pixels > context.maxInputPixels) {
    throw apiError('image_too_many_pixels', { param: context.param, pixels, maximum: context.maxInputPixels });
  }
}

/** Checks the part and returns it as an engine input. */
export function validateImageFile(part: FormFilePart, rules: FileRules, context: FileCheckContext): EngineInputImage {
  checkContentType(part, rules, context.param);
  if (part.byteLength >= rules.maxFileBytes) throw fileRejection(rules, context.param);
  if (part.byteLength === 0) throw apiError('invalid_image_file', { imageNumber: context.imageNumber });
  const facts = readImageFacts(part.header);
  checkFacts(facts, rules, context);
  return { path: part.path, facts, byteLength: part.byteLength, filename: part.filename };
}

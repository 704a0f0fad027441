/**
 * Checks the file parts of an edit — the image(s), the mask and the markup overlay — against
 * the model's rules and its engine's capabilities, from their headers only, and returns them
 * as engine inputs.
 */
import type { EngineInputImage } from '../engines/engine.ts';
import { apiError } from './error-catalogue.ts';
import type { FormFilePart, FormPart } from './form-parts.ts';
import type { ServedModel } from './parse-edit-request.ts';
import { validateImageFile } from './validate-image-file.ts';

export interface CheckedFiles {
  readonly images: EngineInputImage[];
  readonly mask: EngineInputImage | null;
  readonly markup: EngineInputImage | null;
}

export function isImageField(name: string): boolean {
  return name === 'image' || name === 'image[]';
}

function filePartsNamed(parts: readonly FormPart[], matches: (name: string) => boolean): FormFilePart[] {
  return parts.filter((part): part is FormFilePart => part.kind === 'file' && matches(part.fieldName));
}

/** `markup` (openai-node 7.60.0): a PNG with transparent pixels, the first image's size, never with `mask`. */
function checkMarkup(part: FormFilePart | undefined, model: ServedModel, first: EngineInputImage, maxInputPixels: number): EngineInputImage | null {
  if (part === undefined) return null;
  if (model.rules.markup === null) throw apiError('unknown_parameter', { param: 'markup' });
  const markup = validateImageFile(part, model.rules.markup, { param: 'markup', imageNumber: 1, maxInputPixels });
  if (model.rules.passThrough) return markup;
  if (markup.facts.width !== first.facts.width || markup.facts.height !== first.facts.height) throw apiError('markup_size_mismatch');
  if (!markup.facts.hasAlpha) throw apiError('markup_missing_alpha');
  return markup;
}

export function checkEditFiles(parts: readonly FormPart[], model: ServedModel, maxInputPixels: number): CheckedFiles {
  const { rules, capabilities } = model;
  const imageParts = filePartsNamed(parts, isImageField);
  const maskParts = filePartsNamed(parts, (name) => name === 'mask');
  const markupParts = filePartsNamed(parts, (name) => name === 'markup');
  if (imageParts.length === 0) throw apiError('missing_required_parameter', { param: 'image' });
  if (imageParts.length > 1 && !rules.image.acceptsArray) throw apiError('file_array_not_allowed', { param: 'image' });
  const maxCount = Math.min(rules.image.maxCount, capabilities.maxInputImages);
  if (imageParts.length > maxCount) throw apiError('image_array_too_long', { maximum: maxCount, actual: imageParts.length });
  if (maskParts.length > 1) throw apiError('file_array_not_allowed', { param: 'mask' });
  if (markupParts.length > 1) throw apiError('file_array_not_allowed', { param: 'markup' });

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
  const markup = checkMarkup(markupParts[0], model, images[0], maxInputPixels);
  if (maskParts.length === 0) {
    if (rules.image.requireAlphaWithoutMask && !first.hasAlpha && first.colorMode !== 'L') {
      throw apiError('image_mode_without_alpha', { mode: first.colorMode });
    }
    return { images, mask: null, markup };
  }
  const mask = validateImageFile(maskParts[0], rules.mask, { param: 'mask', imageNumber: 1, maxInputPixels });
  if (rules.passThrough) return { images, mask, markup };
  if (mask.facts.width !== first.width || mask.facts.height !== first.height) throw apiError('mask_size_mismatch');
  if (!mask.facts.hasAlpha) throw apiError('mask_missing_alpha');
  return { images, mask, markup };
}

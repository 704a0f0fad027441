/**
 * Reads what one fill needs from the spooled upload files: the image decoded to RGBA, the set
 * of pixels to fill (the mask's transparent pixels, or the image's own), both resized to the
 * output size when one is asked for. Runs inside the fill worker, so a job waiting in the queue
 * holds only file paths, never decoded pixels.
 */
import type { ImageSize } from '../engine.ts';
import { decodeToRgba } from '../../images/decode-image.ts';
import { readEditMask, type EditMask } from '../../images/read-edit-mask.ts';
import type { RgbaImage } from '../../images/rgba-image.ts';
import { resizeEditMask, resizeRgba } from './resize-fill-input.ts';

/** The inputs cannot be used together (the mask's size differs from the image's). */
export class FillInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FillInputError';
  }
}

export interface FillInputFiles {
  readonly imagePath: string;
  readonly maskPath: string | null;
  readonly maxInputPixels: number;
  /** Output size; null keeps the input's. */
  readonly size: ImageSize | null;
}

/** Rejects with `ImageDecodeError` (corrupt, over the pixel limit) or `FillInputError`. */
export async function readFillInput(files: FillInputFiles): Promise<{ image: RgbaImage; mask: EditMask }> {
  const image = await decodeToRgba(files.imagePath, files.maxInputPixels);
  const maskPixels = files.maskPath === null ? image : await decodeToRgba(files.maskPath, files.maxInputPixels);
  if (maskPixels.width !== image.width || maskPixels.height !== image.height) {
    throw new FillInputError(`mask is ${maskPixels.width}x${maskPixels.height} but the image is ${image.width}x${image.height}`);
  }
  const mask = readEditMask(maskPixels);
  const { size } = files;
  if (size === null || (size.width === image.width && size.height === image.height)) return { image, mask };
  const [resizedImage, resizedMask] = await Promise.all([
    resizeRgba(image, size),
    resizeEditMask(mask, image.width, image.height, size),
  ]);
  return { image: resizedImage, mask: resizedMask };
}

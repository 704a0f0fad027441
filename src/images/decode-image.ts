/**
 * `decodeToRgba` decodes an image file to 8-bit sRGB RGBA pixels with sharp, refusing images
 * above `maxInputPixels` before decoding (libvips checks the header) and refusing corrupt or
 * truncated data instead of returning partly grey pixels.
 */
import sharp from 'sharp';
import type { RgbaImage } from './rgba-image.ts';

/** The file could not be decoded: corrupt, truncated, unsupported, or over the pixel limit. */
export class ImageDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageDecodeError';
  }
}

export async function decodeToRgba(path: string, maxInputPixels: number): Promise<RgbaImage> {
  try {
    // EXIF orientation is deliberately not applied: masks are aligned to the stored pixel grid,
    // as OpenAI's validator compares the stored dimensions of image and mask.
    const { data, info } = await sharp(path, { limitInputPixels: maxInputPixels, failOn: 'error' })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4 || data.length !== info.width * info.height * 4) {
      throw new Error(`decoded to ${info.channels} channels, expected 4`);
    }
    return { data, width: info.width, height: info.height };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImageDecodeError(`cannot decode image: ${reason}`, { cause: error });
  }
}

/**
 * `encodeImage` encodes RGBA pixels in an output format.
 *
 * - png: lossless RGBA; `compression` does not apply (OpenAI sends 100 for png).
 * - webp: lossy at quality = `compression`, alpha kept.
 * - jpeg: quality = `compression`; JPEG has no alpha, so transparent pixels are composited
 *   over white, which is what OpenAI's own jpeg outputs with a transparent background show.
 *
 * sharp's quality range is 1–100: a `compression` of 0 encodes at quality 1, the lowest there is.
 */
import sharp from 'sharp';
import type { ImageFormat } from './image-facts.ts';
import type { RgbaImage } from './rgba-image.ts';

export async function encodeImage(rgba: RgbaImage, format: ImageFormat, compression: number): Promise<Buffer> {
  if (!Number.isInteger(compression) || compression < 0 || compression > 100) {
    throw new RangeError(`compression must be an integer from 0 to 100, got ${compression}`);
  }
  const pixels = sharp(rgba.data, { raw: { width: rgba.width, height: rgba.height, channels: 4 } });
  const quality = Math.max(1, compression);
  switch (format) {
    case 'png':
      return pixels.png().toBuffer();
    case 'webp':
      return pixels.webp({ quality }).toBuffer();
    case 'jpeg':
      return pixels.flatten({ background: '#ffffff' }).jpeg({ quality }).toBuffer();
  }
}

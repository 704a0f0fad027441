/**
 * Resizes the image and its edit mask to the requested output size before the fill. The image
 * is resampled normally (sharp premultiplies alpha); the mask uses nearest-neighbour so it
 * stays binary and its edges stay where the image's do.
 */
import sharp from 'sharp';
import type { ImageSize } from '../engine.ts';
import type { EditMask } from '../../images/read-edit-mask.ts';
import type { RgbaImage } from '../../images/rgba-image.ts';

export async function resizeRgba(image: RgbaImage, size: ImageSize): Promise<RgbaImage> {
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .resize(size.width, size.height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { data, width: size.width, height: size.height };
}

export async function resizeEditMask(mask: EditMask, width: number, height: number, size: ImageSize): Promise<EditMask> {
  const levels = Buffer.from(mask.map((value) => (value === 1 ? 255 : 0)));
  const resized = await sharp(levels, { raw: { width, height, channels: 1 } })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'nearest' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  return Uint8Array.from(resized, (value) => (value >= 128 ? 1 : 0));
}

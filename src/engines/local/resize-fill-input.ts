/**
 * Resizes the image and its edit mask to the requested output size before the fill. The image
 * is resampled normally (sharp premultiplies alpha). The mask is resampled with the same
 * kernel and every output pixel that any masked input pixel reaches is masked: those pixels
 * were blended with the hole (and its transparency) by the image resize, so they must be
 * filled too, or a half-transparent seam would ring the fill.
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
  const levels = Buffer.alloc(mask.length);
  for (let pixel = 0; pixel < mask.length; pixel += 1) levels[pixel] = mask[pixel] === 1 ? 255 : 0;
  const resized = await sharp(levels, { raw: { width, height, channels: 1 } })
    .resize(size.width, size.height, { fit: 'fill' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const resizedMask = new Uint8Array(resized.length);
  for (let pixel = 0; pixel < resizedMask.length; pixel += 1) resizedMask[pixel] = resized[pixel] > 0 ? 1 : 0;
  return resizedMask;
}

/**
 * `readEditMask` turns the RGBA pixels of a mask — or of the image itself when the request has
 * no mask — into the set of pixels to edit. OpenAI defines the mask as "fully transparent areas
 * (e.g. where alpha is zero) indicate where image should be edited", so a pixel is to be filled
 * exactly when its alpha is 0; partly transparent pixels are kept.
 */
import type { RgbaImage } from './rgba-image.ts';

/** One byte per pixel, row-major: 1 = fill this pixel, 0 = keep it. */
export type EditMask = Uint8Array;

export function readEditMask(rgba: RgbaImage): EditMask {
  const pixelCount = rgba.width * rgba.height;
  const mask = new Uint8Array(pixelCount);
  for (let pixel = 0; pixel < pixelCount; pixel += 1) {
    if (rgba.data[pixel * 4 + 3] === 0) mask[pixel] = 1;
  }
  return mask;
}

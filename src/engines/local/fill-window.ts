/**
 * The part of a large image a fill works in: the hole's bounding box grown by a margin as wide
 * as the box itself (at least 64 px) on every side, so a small hole in a large picture is solved
 * on the neighbourhood whose texture it continues instead of on the whole image.
 */
export interface FillWindow {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

const MIN_MARGIN = 64;
/** A window covering more than this share of the image is not worth cropping. */
const MAX_WINDOW_SHARE = 0.6;

/** Returns null when the whole image should be used (big or scattered holes, or no hole). */
export function findFillWindow(mask: Uint8Array, width: number, height: number): FillWindow | null {
  let left = width;
  let top = height;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (mask[y * width + x] === 0) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
    }
  }
  if (right < 0) return null;
  const margin = Math.max(MIN_MARGIN, right - left + 1, bottom - top + 1);
  const window = {
    left: Math.max(0, left - margin),
    top: Math.max(0, top - margin),
    width: Math.min(width, right + 1 + margin) - Math.max(0, left - margin),
    height: Math.min(height, bottom + 1 + margin) - Math.max(0, top - margin),
  };
  return window.width * window.height > MAX_WINDOW_SHARE * width * height ? null : window;
}

/** Copies the window's pixels (`channels` bytes each) out of an image. */
export function cropWindow(pixels: Uint8Array, width: number, channels: number, window: FillWindow): Uint8Array {
  const cropped = new Uint8Array(window.width * window.height * channels);
  for (let y = 0; y < window.height; y += 1) {
    const from = ((window.top + y) * width + window.left) * channels;
    cropped.set(pixels.subarray(from, from + window.width * channels), y * window.width * channels);
  }
  return cropped;
}

/** Writes a window's RGBA pixels back into a copy of the full image. */
export function pasteWindow(full: Uint8Array, width: number, window: FillWindow, cropped: Uint8Array): Uint8Array {
  const pasted = new Uint8Array(full);
  for (let y = 0; y < window.height; y += 1) {
    pasted.set(cropped.subarray(y * window.width * 4, (y + 1) * window.width * 4), ((window.top + y) * width + window.left) * 4);
  }
  return pasted;
}

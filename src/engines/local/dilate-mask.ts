/** Separable box dilation (Chebyshev radius) of a binary mask. */
export function dilateMask(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (radius === 0) return mask.slice();
  const horizontal = new Uint8Array(mask.length);
  for (let y = 0; y < height; y += 1) {
    let lastSet = -Infinity;
    for (let x = 0; x < width + radius; x += 1) {
      if (x < width && mask[y * width + x] === 1) lastSet = x;
      const output = x - radius;
      if (output >= 0 && x - lastSet <= 2 * radius) horizontal[y * width + output] = 1;
    }
  }
  const result = new Uint8Array(mask.length);
  for (let x = 0; x < width; x += 1) {
    let lastSet = -Infinity;
    for (let y = 0; y < height + radius; y += 1) {
      if (y < height && horizontal[y * width + x] === 1) lastSet = y;
      const output = y - radius;
      if (output >= 0 && y - lastSet <= 2 * radius) result[output * width + x] = 1;
    }
  }
  return result;
}

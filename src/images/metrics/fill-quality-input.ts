/**
 * What every fill-quality metric compares: a filled image against the ground truth it was
 * made from, inside the hole only (pixels outside it are the input's own and would flatter
 * every method equally).
 */
export interface FillQualityInput {
  /** The original image, RGBA, row-major. */
  readonly truth: Uint8Array;
  /** The filled image, RGBA, same size. */
  readonly filled: Uint8Array;
  /** One byte per pixel: 1 = was filled. */
  readonly hole: Uint8Array;
  readonly width: number;
  readonly height: number;
}

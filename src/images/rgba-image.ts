/** Decoded pixels: 8-bit RGBA, row-major, no padding (`data.length === width * height * 4`). */
export interface RgbaImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

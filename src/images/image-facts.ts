/**
 * Facts about an image read from its first bytes only, before any decode. The request
 * validator decides format, dimensions, alpha and pixel-count limits from these, so a
 * decompression bomb or a mislabelled file is refused without decoding it.
 */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/**
 * What an edit may ask to get back: the raster formats, and — from upstreams whose models make
 * them (gpt-image-2.6) — an animated `gif` or an `svg` drawing, passed through as the upstream
 * made them (Pixelgate never decodes or encodes those).
 */
export type OutputFormat = ImageFormat | 'gif' | 'svg';

/** Colour mode in PIL's naming, which OpenAI's messages use (`got RGB`). */
export type ColorMode = 'RGBA' | 'RGB' | 'LA' | 'L' | 'P' | 'PA' | 'CMYK' | 'YCbCr' | 'unknown';

export interface ImageFacts {
  /** Format sniffed from the magic bytes, never from the part's content type or filename. */
  readonly format: ImageFormat | 'gif' | 'unknown';
  readonly width: number;
  readonly height: number;
  /** True when the image can carry transparency (alpha channel or a tRNS chunk). */
  readonly hasAlpha: boolean;
  readonly colorMode: ColorMode;
}

/** The number of header bytes `readImageFacts` needs at most for every supported format. */
export const IMAGE_HEADER_BYTES = 256 * 1024;

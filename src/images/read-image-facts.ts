/**
 * `readImageFacts` sniffs format, dimensions, colour mode and alpha from the first bytes of a
 * file (at most `IMAGE_HEADER_BYTES`), without decoding pixels, so decompression bombs and
 * mislabelled files can be refused before any decode. It never throws: an unknown, truncated
 * or malformed header yields `UNKNOWN_IMAGE_FACTS`.
 */
import type { ColorMode, ImageFacts } from './image-facts.ts';

export const UNKNOWN_IMAGE_FACTS: ImageFacts = Object.freeze({
  format: 'unknown',
  width: 0,
  height: 0,
  hasAlpha: false,
  colorMode: 'unknown',
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function readImageFacts(header: Buffer): ImageFacts {
  try {
    if (startsWith(header, PNG_SIGNATURE)) return readPngFacts(header);
    if (header.length >= 3 && header[0] === 0xff && header[1] === 0xd8 && header[2] === 0xff) {
      return readJpegFacts(header);
    }
    if (ascii(header, 0, 4) === 'RIFF' && ascii(header, 8, 4) === 'WEBP') return readWebpFacts(header);
    const gifVersion = ascii(header, 0, 6);
    if (gifVersion === 'GIF87a' || gifVersion === 'GIF89a') return readGifFacts(header);
  } catch {
    // A header shorter than its own structure reads past the buffer: that is "truncated".
  }
  return UNKNOWN_IMAGE_FACTS;
}

/** PNG colour types (PNG spec §11.2.2) in PIL's mode names. */
const PNG_COLOR_MODES: Readonly<Record<number, ColorMode>> = { 0: 'L', 2: 'RGB', 3: 'P', 4: 'LA', 6: 'RGBA' };

function readPngFacts(header: Buffer): ImageFacts {
  // The IHDR chunk must come first (PNG spec §5.6): length 13 at byte 8, type at 12, data at 16.
  if (header.length < 33 || ascii(header, 12, 4) !== 'IHDR' || header.readUInt32BE(8) !== 13) {
    return UNKNOWN_IMAGE_FACTS;
  }
  const width = header.readUInt32BE(16);
  const height = header.readUInt32BE(20);
  const colorMode = PNG_COLOR_MODES[header[25]];
  if (width === 0 || height === 0 || colorMode === undefined) return UNKNOWN_IMAGE_FACTS;
  // Colour types 4 and 6 carry an alpha channel; the others gain transparency from a tRNS
  // chunk, which must precede the first IDAT (PNG spec §11.3.2.1).
  const hasAlpha = colorMode === 'LA' || colorMode === 'RGBA' || pngHasTransparencyChunk(header);
  return { format: 'png', width, height, hasAlpha, colorMode };
}

function pngHasTransparencyChunk(header: Buffer): boolean {
  let offset = 33;
  while (offset + 8 <= header.length) {
    const length = header.readUInt32BE(offset);
    const type = ascii(header, offset + 4, 4);
    if (type === 'tRNS') return true;
    if (type === 'IDAT' || type === 'IEND') return false;
    offset += 12 + length;
  }
  return false;
}

function readJpegFacts(header: Buffer): ImageFacts {
  let offset = 2;
  while (offset + 4 <= header.length) {
    if (header[offset] !== 0xff) return UNKNOWN_IMAGE_FACTS;
    const marker = header[offset + 1];
    // 0xFF fill bytes may precede a marker (ITU T.81 §B.1.1.2).
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    // Standalone markers without a length: TEM, RST0–7.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return UNKNOWN_IMAGE_FACTS; // EOI or scan before any frame
    const segmentLength = header.readUInt16BE(offset + 2);
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) (ITU T.81 Table B.1).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = header.readUInt16BE(offset + 5);
      const width = header.readUInt16BE(offset + 7);
      const components = header[offset + 9];
      const colorMode = jpegColorMode(components);
      if (width === 0 || height === 0 || colorMode === 'unknown') return UNKNOWN_IMAGE_FACTS;
      return { format: 'jpeg', width, height, hasAlpha: false, colorMode };
    }
    offset += 2 + segmentLength;
  }
  return UNKNOWN_IMAGE_FACTS;
}

function jpegColorMode(components: number | undefined): ColorMode {
  // PIL reports three-component (YCbCr-coded) JPEGs as RGB, because that is what it decodes to.
  if (components === 1) return 'L';
  if (components === 3) return 'RGB';
  if (components === 4) return 'CMYK';
  return 'unknown';
}

function readWebpFacts(header: Buffer): ImageFacts {
  const chunk = ascii(header, 12, 4);
  const data = 20;
  if (chunk === 'VP8 ') {
    // Lossy bitstream (RFC 6386 §9.1): 3-byte frame tag, start code 9D 01 2A, 14-bit sizes.
    if (header[data + 3] !== 0x9d || header[data + 4] !== 0x01 || header[data + 5] !== 0x2a) {
      return UNKNOWN_IMAGE_FACTS;
    }
    const width = header.readUInt16LE(data + 6) & 0x3fff;
    const height = header.readUInt16LE(data + 8) & 0x3fff;
    return webpFacts(width, height, false);
  }
  if (chunk === 'VP8L') {
    // Lossless (RFC 9649 §3.2): signature 0x2F, then 14-bit width-1, 14-bit height-1, alpha bit.
    if (header[data] !== 0x2f) return UNKNOWN_IMAGE_FACTS;
    const bits = header.readUInt32LE(data + 1);
    const width = (bits & 0x3fff) + 1;
    const height = ((bits >>> 14) & 0x3fff) + 1;
    return webpFacts(width, height, ((bits >>> 28) & 1) === 1);
  }
  if (chunk === 'VP8X') {
    // Extended (RFC 9649 §2.7): flags byte (alpha = 0x10), 3 reserved, 24-bit canvas size - 1.
    const hasAlpha = (header[data] & 0x10) !== 0;
    const width = header.readUIntLE(data + 4, 3) + 1;
    const height = header.readUIntLE(data + 7, 3) + 1;
    return webpFacts(width, height, hasAlpha);
  }
  return UNKNOWN_IMAGE_FACTS;
}

function webpFacts(width: number, height: number, hasAlpha: boolean): ImageFacts {
  if (width === 0 || height === 0) return UNKNOWN_IMAGE_FACTS;
  return { format: 'webp', width, height, hasAlpha, colorMode: hasAlpha ? 'RGBA' : 'RGB' };
}

function readGifFacts(header: Buffer): ImageFacts {
  // Logical screen descriptor (GIF89a spec §18): little-endian width and height at byte 6.
  if (header.length < 13) return UNKNOWN_IMAGE_FACTS;
  const width = header.readUInt16LE(6);
  const height = header.readUInt16LE(8);
  if (width === 0 || height === 0) return UNKNOWN_IMAGE_FACTS;
  return { format: 'gif', width, height, hasAlpha: gifHasTransparency(header), colorMode: 'P' };
}

/** True when a graphic control extension before the first image sets its transparency flag. */
function gifHasTransparency(header: Buffer): boolean {
  const packed = header[10];
  let offset = 13 + ((packed & 0x80) !== 0 ? 3 * (1 << ((packed & 0x07) + 1)) : 0);
  while (offset + 1 < header.length && header[offset] === 0x21) {
    const label = header[offset + 1];
    if (label === 0xf9 && offset + 3 < header.length) return (header[offset + 3] & 0x01) !== 0;
    offset += 2;
    // Skip the extension's sub-blocks up to its zero-length terminator.
    while (offset < header.length && header[offset] !== 0) offset += header[offset] + 1;
    offset += 1;
  }
  return false;
}

function startsWith(buffer: Buffer, prefix: Buffer): boolean {
  return buffer.length >= prefix.length && buffer.subarray(0, prefix.length).equals(prefix);
}

function ascii(buffer: Buffer, offset: number, length: number): string {
  if (offset + length > buffer.length) return '';
  return buffer.toString('latin1', offset, offset + length);
}

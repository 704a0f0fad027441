/**
 * The stored width and height of a PNG, JPEG or WebP file, read from its header. Browsers
 * report `naturalWidth`/`naturalHeight` after applying the EXIF orientation, but the API edits
 * (and checks the mask against) the stored pixels, so the mask is sized from these.
 */

const jpegStartOfFrameMarkers = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function ascii(bytes, offset, length) {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function pngDimensions(view) {
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function jpegDimensions(bytes, view) {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    if (jpegStartOfFrameMarkers.has(marker)) return { height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    offset += 2 + view.getUint16(offset + 2);
  }
  return null;
}

function webpDimensions(bytes, view) {
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ') return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    const readUint24 = (at) => bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
    return { width: readUint24(24) + 1, height: readUint24(27) + 1 };
  }
  return null;
}

/**
 * @param {Blob} file
 * @returns {Promise<{ width: number, height: number } | null>} null when the header is not understood
 */
export async function readImageDimensions(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.length < 30) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] === 0x89 && ascii(bytes, 1, 3) === 'PNG') return pngDimensions(view);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegDimensions(bytes, view);
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return webpDimensions(bytes, view);
  return null;
}

/** Test images made with sharp at test time (no binary fixtures to trust). */
import sharp from 'sharp';

/** A square RGBA PNG with a diagonal gradient texture and a fully transparent box in the middle. */
export async function pngWithTransparentHole(size: number): Promise<Buffer> {
  const data = Buffer.alloc(size * size * 4);
  const hole = { from: Math.floor(size * 0.35), to: Math.floor(size * 0.65) };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const offset = (y * size + x) * 4;
      const stripe = (Math.floor((x + y) / 8) % 2) * 80;
      data[offset] = 60 + stripe;
      data[offset + 1] = (x * 255) / size;
      data[offset + 2] = (y * 255) / size;
      const inHole = x >= hole.from && x < hole.to && y >= hole.from && y < hole.to;
      data[offset + 3] = inHole ? 0 : 255;
    }
  }
  return sharp(data, { raw: { width: size, height: size, channels: 4 } }).png().toBuffer();
}

export async function opaquePng(width: number, height: number, channels: 3 | 4 = 3): Promise<Buffer> {
  return sharp({ create: { width, height, channels, background: { r: 200, g: 100, b: 50, alpha: 1 } } }).png().toBuffer();
}

export async function jpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 10, g: 200, b: 50 } } }).jpeg().toBuffer();
}

/** A mask of the given size whose left half is transparent (to edit). */
export async function halfTransparentMask(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4, 255);
  for (let y = 0; y < height; y++) for (let x = 0; x < width / 2; x++) data[(y * width + x) * 4 + 3] = 0;
  return sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

/** A valid PNG signature and IHDR declaring a huge image, with no real pixel data. */
export function decompressionBombHeader(width: number, height: number): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr[16] = 8;
  ihdr[17] = 6;
  return Buffer.concat([signature, ihdr, Buffer.alloc(64)]);
}

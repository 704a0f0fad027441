/**
 * Mutations of a valid PNG, JPEG or WebP that keep it looking like its format to a sniffer:
 * PNG chunks (IHDR dimensions and fields, CRCs, IDAT cut or doubled, IEND dropped, chunk lengths
 * lying, unknown chunks), JPEG segments (SOF dimensions, cut scans, markers removed), the WebP
 * RIFF and VP8 headers — plus blind byte damage for all three.
 */
import type { Random } from './random.ts';

export type FuzzImageFormat = 'png' | 'jpeg' | 'webp';

interface PngChunk {
  readonly offset: number;
  readonly length: number;
  readonly type: string;
}

function pngChunks(bytes: Buffer): PngChunk[] {
  const chunks: PngChunk[] = [];
  let offset = 8;
  while (offset + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    chunks.push({ offset, length, type: bytes.toString('latin1', offset + 4, offset + 8) });
    offset += 12 + length;
  }
  return chunks;
}

const hugeDimensions = [0, 1, 65_535, 65_536, 100_000, 0x7fffffff, 0x80000000, 0xffffffff];

function mutatePng(random: Random, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const chunks = pngChunks(out);
  const ihdr = chunks.find((chunk) => chunk.type === 'IHDR');
  const idat = chunks.filter((chunk) => chunk.type === 'IDAT');
  switch (random.int(0, 8)) {
    case 0: // dimensions: zero, huge, a decompression bomb
      if (ihdr) out.writeUInt32BE(random.pick(hugeDimensions), ihdr.offset + 8 + random.pick([0, 4]));
      return out;
    case 1: // bit depth, colour type, compression, filter, interlace
      if (ihdr) out[ihdr.offset + 16 + random.int(0, 4)] = random.int(0, 255);
      return out;
    case 2: {
      // a CRC
      const chunk = random.pick(chunks);
      out.writeUInt32BE(random.int(0, 0xffffffff), chunk.offset + 8 + chunk.length);
      return out;
    }
    case 3: {
      // IDAT cut short
      const chunk = idat[0];
      if (!chunk) return out;
      return out.subarray(0, chunk.offset + 8 + random.int(0, chunk.length));
    }
    case 4: {
      // IEND dropped
      const iend = chunks.find((chunk) => chunk.type === 'IEND');
      return iend ? out.subarray(0, iend.offset) : out;
    }
    case 5: {
      // a chunk length that lies
      const chunk = random.pick(chunks);
      out.writeUInt32BE(random.pick([0, chunk.length + 1, 0x7fffffff, 0xffffffff, random.int(0, 1 << 20)]), chunk.offset);
      return out;
    }
    case 6: {
      // an unknown or duplicated critical chunk before IDAT
      const at = idat[0]?.offset ?? 8;
      const body = random.bytes(random.int(0, 64));
      const chunk = Buffer.alloc(12 + body.length);
      chunk.writeUInt32BE(body.length, 0);
      chunk.write(random.pick(['IHDR', 'PLTE', 'tRNS', 'zzZz', 'iCCP', 'eXIf', 'acTL']), 4, 'latin1');
      body.copy(chunk, 8);
      return Buffer.concat([out.subarray(0, at), chunk, out.subarray(at)]);
    }
    case 7: {
      // IDAT doubled
      const chunk = idat[0];
      if (!chunk) return out;
      const copy = out.subarray(chunk.offset, chunk.offset + 12 + chunk.length);
      return Buffer.concat([out.subarray(0, chunk.offset), copy, copy, out.subarray(chunk.offset)]);
    }
    default:
      return damageBytes(random, out, 8);
  }
}

function jpegSegments(bytes: Buffer): { marker: number; offset: number; length: number }[] {
  const segments: { marker: number; offset: number; length: number }[] = [];
  let offset = 2;
  while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1];
    const length = bytes.readUInt16BE(offset + 2);
    segments.push({ marker, offset, length });
    if (marker === 0xda) break; // the scan follows
    offset += 2 + length;
  }
  return segments;
}

function mutateJpeg(random: Random, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const segments = jpegSegments(out);
  const sof = segments.find((segment) => segment.marker >= 0xc0 && segment.marker <= 0xc2);
  switch (random.int(0, 5)) {
    case 0: // SOF dimensions
      if (sof) out.writeUInt16BE(random.pick([0, 1, 0xffff, random.int(0, 0xffff)]), sof.offset + 5 + random.pick([0, 2]));
      return out;
    case 1: // SOF component count or precision
      if (sof) out[sof.offset + random.pick([4, 9])] = random.int(0, 255);
      return out;
    case 2: {
      // the scan cut short
      const scan = segments.find((segment) => segment.marker === 0xda);
      const from = scan ? scan.offset : 2;
      return out.subarray(0, random.int(from, out.length - 1));
    }
    case 3: {
      // a segment length that lies
      const segment = random.pick(segments);
      if (segment) out.writeUInt16BE(random.int(0, 0xffff), segment.offset + 2);
      return out;
    }
    case 4: {
      // a segment removed (DQT, DHT, SOF…)
      const segment = random.pick(segments.filter((candidate) => candidate.marker !== 0xda));
      if (!segment) return out;
      return Buffer.concat([out.subarray(0, segment.offset), out.subarray(segment.offset + 2 + segment.length)]);
    }
    default:
      return damageBytes(random, out, 2);
  }
}

function mutateWebp(random: Random, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  switch (random.int(0, 4)) {
    case 0: // RIFF size
      out.writeUInt32LE(random.pick([0, 1, 0xffffffff, random.int(0, 1 << 24)]), 4);
      return out;
    case 1: // chunk size
      if (out.length >= 20) out.writeUInt32LE(random.pick([0, 0xffffffff, random.int(0, 1 << 24)]), 16);
      return out;
    case 2: // VP8/VP8L frame header, where the dimensions live
      for (let index = 20; index < Math.min(out.length, 34); index++) if (random.chance(0.3)) out[index] = random.int(0, 255);
      return out;
    case 3: // cut short
      return out.subarray(0, random.int(12, out.length - 1));
    default:
      return damageBytes(random, out, 12);
  }
}

/** Flips, overwrites or deletes a few bytes after the first `keep` (the signature). */
export function damageBytes(random: Random, bytes: Buffer, keep = 0): Buffer {
  let out = Buffer.from(bytes);
  const edits = random.int(1, 12);
  for (let edit = 0; edit < edits && out.length > keep + 1; edit++) {
    const at = random.int(keep, out.length - 1);
    switch (random.int(0, 2)) {
      case 0:
        out[at] ^= 1 << random.int(0, 7);
        break;
      case 1:
        out[at] = random.int(0, 255);
        break;
      default:
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + random.int(1, 64)))]);
    }
  }
  return out;
}

export function mutateImage(random: Random, bytes: Buffer, format: FuzzImageFormat): Buffer {
  if (format === 'png') return mutatePng(random, bytes);
  if (format === 'jpeg') return mutateJpeg(random, bytes);
  return mutateWebp(random, bytes);
}

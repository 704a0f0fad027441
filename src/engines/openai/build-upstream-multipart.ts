/**
 * The multipart body sent upstream, built as a stream: text fields first (the client's, in
 * wire order, with `model` rewritten to the upstream's name), then the images (`image` for
 * one, `image[]` for several, in the client's order), then the mask, then the markup overlay. Files are read from their
 * spooled copies on disk in fixed-size chunks, so memory does not grow with the upload, and the
 * body can be built again for a retry. Each file part's content type comes from the format
 * sniffed from its bytes, never from what the client claimed (OpenAI refuses octet-stream).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { EngineInputImage } from '../engine.ts';
import type { ForwardedField } from './relay-edit-job.ts';

export interface UpstreamMultipartInput {
  readonly fields: readonly ForwardedField[];
  readonly images: readonly EngineInputImage[];
  readonly mask: EngineInputImage | null;
  readonly markup: EngineInputImage | null;
}

export interface UpstreamMultipartBody {
  readonly contentType: string;
  /** Exact byte length, so the upstream gets a `Content-Length` and no chunked encoding. */
  readonly contentLength: number;
  /** A fresh stream of the body each call (one per attempt). */
  open(): Readable;
}

const contentTypeByFormat: Readonly<Record<string, string>> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };
const extensionByFormat: Readonly<Record<string, string>> = { png: 'png', jpeg: 'jpg', webp: 'webp', gif: 'gif' };
const readChunkBytes = 64 * 1024;

type Segment = { readonly kind: 'bytes'; readonly bytes: Buffer } | { readonly kind: 'file'; readonly path: string; readonly byteLength: number };

function quoted(value: string): string {
  return value.replace(/["\r\n\\]/g, (character) => encodeURIComponent(character));
}

function fileName(file: EngineInputImage, fallbackStem: string): string {
  if (file.filename !== '') return file.filename;
  return `${fallbackStem}.${extensionByFormat[file.facts.format] ?? 'bin'}`;
}

export function buildUpstreamMultipart(input: UpstreamMultipartInput): UpstreamMultipartBody {
  const boundary = `----pixelgate-${randomBytes(12).toString('hex')}`;
  const segments: Segment[] = [];
  const text = (value: string) => segments.push({ kind: 'bytes', bytes: Buffer.from(value, 'utf8') });
  for (const field of input.fields) {
    text(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(field.name)}"\r\n\r\n${field.value}\r\n`);
  }
  const addFile = (fieldName: string, file: EngineInputImage, fallbackStem: string) => {
    const contentType = contentTypeByFormat[file.facts.format] ?? 'application/octet-stream';
    text(
      `--${boundary}\r\nContent-Disposition: form-data; name="${fieldName}"; filename="${quoted(fileName(file, fallbackStem))}"\r\n` +
        `Content-Type: ${contentType}\r\n\r\n`,
    );
    segments.push({ kind: 'file', path: file.path, byteLength: file.byteLength });
    text('\r\n');
  };
  const imageFieldName = input.images.length === 1 ? 'image' : 'image[]';
  input.images.forEach((image, index) => addFile(imageFieldName, image, `image-${index + 1}`));
  if (input.mask) addFile('mask', input.mask, 'mask');
  if (input.markup) addFile('markup', input.markup, 'markup');
  text(`--${boundary}--\r\n`);

  const contentLength = segments.reduce((total, segment) => total + (segment.kind === 'bytes' ? segment.bytes.length : segment.byteLength), 0);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength,
    open: () => Readable.from(streamSegments(segments), { objectMode: false }),
  };
}

async function* streamSegments(segments: readonly Segment[]): AsyncGenerator<Buffer> {
  for (const segment of segments) {
    if (segment.kind === 'bytes') {
      yield segment.bytes;
      continue;
    }
    let sent = 0;
    for await (const chunk of createReadStream(segment.path, { highWaterMark: readChunkBytes })) {
      sent += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    // A spooled file that changed size would make the declared Content-Length a lie.
    if (sent !== segment.byteLength) throw new Error(`spooled upload changed size: ${sent} != ${segment.byteLength}`);
  }
}

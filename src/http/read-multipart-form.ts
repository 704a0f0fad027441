/**
 * Reads a multipart/form-data body as a stream. Files are spooled to disk part by part (only
 * their first bytes stay in memory, for sniffing), so memory per request stays near one
 * chunk whatever the upload size. Limits are enforced while bytes arrive: a file over its
 * limit, a body over the server's limit, too many parts or a body that takes too long stop
 * the read at once with the matching catalogue error.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { Multipart, MultipartFile, MultipartValue } from '@fastify/multipart';
import { IMAGE_HEADER_BYTES } from '../images/image-facts.ts';
import { ApiError, apiError } from '../openai/error-catalogue.ts';
import type { FormPart } from '../openai/form-parts.ts';
import { PartHeaderTap } from './part-header-tap.ts';

export interface FileLimit {
  /** A file must be strictly smaller than this. */
  readonly maxBytes: number;
  readonly error: () => ApiError;
}

export interface MultipartLimits {
  readonly maxRequestBytes: number;
  readonly maxParts: number;
  readonly maxFieldBytes: number;
  readonly bodyTimeoutMs: number;
  /** The limit of the next file, decided from the parts read so far (`model` may come first or last). */
  readonly fileLimit: (fieldName: string, partsSoFar: readonly FormPart[]) => FileLimit;
  /** The largest file any served model accepts; busboy's own hard stop. */
  readonly largestFileBytes: number;
}

function boundaryOf(contentType: string): string | null {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : null;
}

/** Resolves when the stream can take more; rejects if it fails or closes first (never hangs). */
function drained(output: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      output.off('drain', onDrain).off('error', settle).off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new Error('spool file closed while writing'));
    output.on('drain', onDrain).on('error', settle).on('close', onClose);
  });
}

async function spoolFile(
  part: MultipartFile,
  filePath: string,
  limit: FileLimit,
  checkBody: () => void,
): Promise<{ byteLength: number; header: Buffer }> {
  const output = createWriteStream(filePath, { flags: 'wx' });
  // The spool's own failures (the open, a write, a write after the client hung up) are handled
  // here, where they arise: without a listener any one of them would crash the process (issue 9).
  let outputError: Error | null = null;
  output.on('error', (error) => {
    outputError ??= error;
  });
  const outputClosed = new Promise<void>((resolve) => output.once('close', () => resolve()));
  const headerChunks: Buffer[] = [];
  let headerLength = 0;
  let byteLength = 0;
  try {
    for await (const chunk of part.file as AsyncIterable<Buffer>) {
      if (outputError) throw outputError;
      byteLength += chunk.length;
      checkBody();
      if (byteLength >= limit.maxBytes) throw limit.error();
      if (headerLength < IMAGE_HEADER_BYTES) {
        const slice = chunk.subarray(0, IMAGE_HEADER_BYTES - headerLength);
        headerChunks.push(Buffer.from(slice));
        headerLength += slice.length;
      }
      if (!output.write(chunk)) await drained(output);
    }
    if (part.file.truncated) throw limit.error();
    await finished(output.end());
    if (outputError) throw outputError;
    return { byteLength, header: Buffer.concat(headerChunks) };
  } catch (error) {
    part.file.destroy();
    output.destroy();
    // The file is closed before the caller removes the spool directory.
    await outputClosed;
    throw error;
  }
}

/** Maps the multipart plugin's own failures onto the catalogue. */
function translateParserError(error: unknown, limits: MultipartLimits): unknown {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return apiError('too_many_parts', { limit: limits.maxParts });
  }
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return apiError('invalid_content_type', { received: 'multipart without boundary' });
  if (code === 'FST_PROTO_VIOLATION') return apiError('unknown_parameter', { param: '__proto__' });
  // A failing disk write is ours, not the client's: let it surface as a server error.
  if ((error as { syscall?: string }).syscall) return error;
  return apiError('malformed_multipart');
}

export async function readMultipartForm(
  request: FastifyRequest,
  spoolDirectory: string,
  limits: MultipartLimits,
): Promise<FormPart[]> {
  const contentType = request.headers['content-type'] ?? '';
  const boundary = boundaryOf(contentType);
  if (!boundary) throw apiError('malformed_multipart');
  const tap = new PartHeaderTap(boundary);
  let receivedBytes = 0;
  let failure: ApiError | null = null;
  const onData = (chunk: Buffer): void => {
    receivedBytes += chunk.length;
    tap.write(chunk);
  };
  // Registered before the parser pipes the request, so the tap sees each part's headers first.
  request.raw.on('data', onData);
  const timer = setTimeout(() => {
    failure = apiError('request_timeout', { timeoutMs: limits.bodyTimeoutMs });
    request.raw.emit('error', failure);
  }, limits.bodyTimeoutMs);
  const checkBody = (): void => {
    if (failure) throw failure;
    if (receivedBytes > limits.maxRequestBytes) throw apiError('request_too_large', { limitBytes: limits.maxRequestBytes });
  };

  const parts: FormPart[] = [];
  let tapIndex = 0;
  try {
    const iterator = request.parts({
      limits: {
        parts: limits.maxParts,
        fieldSize: limits.maxFieldBytes,
        fileSize: limits.largestFileBytes,
        headerPairs: 64,
      },
    });
    for await (const part of iterator as AsyncIterableIterator<Multipart>) {
      checkBody();
      // busboy reports a part whose Content-Disposition has no name with `fieldname` undefined.
      if (!part.fieldname) throw apiError('malformed_multipart');
      const tapped = tap.parts[tapIndex++];
      const hasContentType = tapped?.fieldName === part.fieldname ? tapped.hasContentType : true;
      if (part.type === 'file') {
        await mkdir(spoolDirectory, { recursive: true });
        const filePath = path.join(spoolDirectory, `${parts.length}.upload`);
        const limit = limits.fileLimit(part.fieldname, parts);
        const { byteLength, header } = await spoolFile(part, filePath, limit, checkBody);
        parts.push({
          kind: 'file',
          fieldName: part.fieldname,
          filename: part.filename ?? '',
          contentType: hasContentType ? part.mimetype : null,
          path: filePath,
          byteLength,
          header,
        });
      } else {
        const field = part as MultipartValue<string>;
        if (field.valueTruncated) throw apiError('field_value_too_large', { param: field.fieldname, limitBytes: limits.maxFieldBytes });
        parts.push({ kind: 'field', fieldName: field.fieldname, value: String(field.value) });
      }
    }
    checkBody();
    return parts;
  } catch (error) {
    throw failure ?? translateParserError(error, limits);
  } finally {
    clearTimeout(timer);
    request.raw.off('data', onData);
  }
}

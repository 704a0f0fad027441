/**
 * OpenAI's files API for images a JSON edit names by `file_id`: `POST /v1/files` (multipart:
 * `file`, `purpose` = `vision` or `user_data`, optional `expires_after[anchor]=created_at` and
 * `expires_after[seconds]`), `GET /v1/files/{id}`, `GET /v1/files/{id}/content`,
 * `DELETE /v1/files/{id}`. A file belongs to the key that uploaded it (another key gets the
 * 404). Only PNG, JPEG, WebP and GIF images are taken, sniffed from their bytes.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { FileLibrary } from '../files/file-library.ts';
import { readImageFacts } from '../images/read-image-facts.ts';
import { apiError } from '../openai/error-catalogue.ts';
import type { FormPart } from '../openai/form-parts.ts';
import { principalScope } from './authenticate.ts';
import { readMultipartForm } from './read-multipart-form.ts';

export interface FilesRouteOptions {
  readonly library: FileLibrary;
  readonly uploadsDirectory: string;
  readonly maxFileBytes: number;
  readonly bodyTimeoutMs: number;
}

const purposes = ['vision', 'user_data'];
const minExpirySeconds = 3600;
const maxExpirySeconds = 2_592_000;
const fileIdPattern = /^file-[A-Za-z0-9]{1,64}$/;

function textField(parts: readonly FormPart[], name: string): string | null {
  const found = parts.filter((part) => part.kind === 'field' && part.fieldName === name);
  if (found.length > 1) throw apiError('duplicate_parameter', { param: name });
  return found[0]?.kind === 'field' ? found[0].value : null;
}

function expiresAfterSeconds(parts: readonly FormPart[]): number | null {
  const anchor = textField(parts, 'expires_after[anchor]');
  const seconds = textField(parts, 'expires_after[seconds]');
  if (anchor === null && seconds === null) return null;
  if (anchor !== 'created_at') throw apiError('invalid_value', { param: 'expires_after[anchor]', value: anchor ?? '', supported: ['created_at'] });
  if (seconds === null) throw apiError('missing_required_parameter', { param: 'expires_after[seconds]' });
  const value = Number(seconds);
  if (!/^\d+$/.test(seconds)) throw apiError('invalid_type', { param: 'expires_after[seconds]', expected: 'an integer' });
  if (value < minExpirySeconds) throw apiError('integer_below_min_value', { param: 'expires_after[seconds]', minimum: minExpirySeconds, actual: value });
  if (value > maxExpirySeconds) throw apiError('integer_above_max_value', { param: 'expires_after[seconds]', maximum: maxExpirySeconds, actual: value });
  return value;
}

export function registerFilesRoute(app: FastifyInstance, options: FilesRouteOptions): void {
  const { library } = options;
  const known = new Set(['file', 'purpose', 'expires_after[anchor]', 'expires_after[seconds]']);

  app.post('/v1/files', async (request) => {
    if (!request.isMultipart()) throw apiError('invalid_content_type', { received: String(request.headers['content-type'] ?? 'none') });
    const declared = Number(request.headers['content-length'] ?? 0);
    const maxRequestBytes = options.maxFileBytes + 64 * 1024;
    if (declared > maxRequestBytes) throw apiError('request_too_large', { limitBytes: maxRequestBytes });
    const spoolDirectory = path.join(options.uploadsDirectory, request.id);
    try {
      const parts = await readMultipartForm(request, spoolDirectory, {
        maxRequestBytes,
        maxParts: 8,
        maxFieldBytes: 1024,
        bodyTimeoutMs: options.bodyTimeoutMs,
        largestFileBytes: options.maxFileBytes,
        fileLimit: () => ({ maxBytes: options.maxFileBytes, error: () => apiError('file_too_large', { param: 'file', limitBytes: options.maxFileBytes }) }),
      });
      const unknown = parts.find((part) => !known.has(part.fieldName));
      if (unknown) throw apiError('unknown_parameter', { param: unknown.fieldName });
      const files = parts.filter((part) => part.kind === 'file');
      if (files.length === 0) throw apiError('missing_required_parameter', { param: 'file' });
      if (files.length > 1) throw apiError('duplicate_parameter', { param: 'file' });
      const file = files[0];
      if (file.kind !== 'file' || file.fieldName !== 'file') throw apiError('missing_required_parameter', { param: 'file' });
      const purpose = textField(parts, 'purpose');
      if (purpose === null) throw apiError('missing_required_parameter', { param: 'purpose' });
      if (!purposes.includes(purpose)) throw apiError('invalid_value', { param: 'purpose', value: purpose, supported: purposes });
      const expiresAfter = expiresAfterSeconds(parts);
      const { format } = readImageFacts(file.header);
      if (format !== 'png' && format !== 'jpeg' && format !== 'webp' && format !== 'gif') {
        throw apiError('unsupported_file_mimetype', { param: 'file', mimetype: file.contentType ?? 'unknown', supported: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] });
      }
      const bytes = await readFile(file.path);
      return await library.upload(principalScope(request.principal), { filename: file.filename, purpose, bytes, contentType: `image/${format}`, expiresAfterSeconds: expiresAfter });
    } finally {
      await rm(spoolDirectory, { recursive: true, force: true });
    }
  });

  const notFound = (id: string) => apiError('file_not_found', { id: id.slice(0, 100) });

  app.get<{ Params: { id: string } }>('/v1/files/:id', async (request) => {
    const { id } = request.params;
    const file = fileIdPattern.test(id) ? await library.retrieve(principalScope(request.principal), id) : null;
    if (!file) throw notFound(id);
    return file;
  });

  app.get<{ Params: { id: string } }>('/v1/files/:id/content', async (request, reply) => {
    const { id } = request.params;
    const content = fileIdPattern.test(id) ? await library.content(principalScope(request.principal), id) : null;
    if (!content) throw notFound(id);
    reply.header('content-type', content.contentType);
    reply.header('cache-control', 'private, no-store');
    return reply.send(content.bytes);
  });

  app.delete<{ Params: { id: string } }>('/v1/files/:id', async (request) => {
    const { id } = request.params;
    const deleted = fileIdPattern.test(id) && (await library.delete(principalScope(request.principal), id));
    if (!deleted) throw notFound(id);
    return { id, object: 'file', deleted: true };
  });
}

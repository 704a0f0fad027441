/**
 * OpenAI-style upstreams started by the relay tests on loopback. Each records every request
 * it received byte for byte (headers and raw body, parsed into parts for assertions) and then
 * behaves as cued: like OpenAI (validating what OpenAI validates), or failing on purpose —
 * 500, 429 with retry-after, hang, reset mid-body, stream then error.
 */
import http from 'node:http';
import { Agent, request as undiciRequest } from 'undici';
import type { AddressInfo, Socket } from 'node:net';
import { readImageFacts } from '../../src/images/read-image-facts.ts';
import sharp from 'sharp';
import { opaquePng } from './images.ts';

export type UpstreamBehaviour =
  | { readonly kind: 'openai'; readonly answerWithUrl?: boolean; readonly delayMs?: number }
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds?: number; readonly body?: unknown }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset-mid-body' }
  | { readonly kind: 'stream-then-error' };

export interface RecordedPart {
  readonly name: string;
  readonly filename: string | null;
  readonly contentType: string | null;
  readonly data: Buffer;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** For a multipart body its parts; for a JSON edit, its fields and images as if they were parts. */
  readonly parts: RecordedPart[];
  /** A JSON edit body, parsed. */
  readonly json?: Record<string, unknown>;
}

export interface FakeUpstream {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Behaviours for the next requests, in order; when empty, `fallback` applies. */
  cue(...behaviours: UpstreamBehaviour[]): void;
  fallback: UpstreamBehaviour;
  close(): Promise<void>;
}

export const fakeUsage = { total_tokens: 1300, input_tokens: 300, output_tokens: 1000, input_tokens_details: { text_tokens: 100, image_tokens: 200 } };

/** Splits a multipart body on its boundary (enough for asserting what a relay sent). */
export function parseMultipart(body: Buffer, contentType: string): RecordedPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: RecordedPart[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, afterDelimiter);
    if (next === -1) break;
    const chunk = body.subarray(afterDelimiter + 2, next - 2);
    const headerEnd = chunk.indexOf('\r\n\r\n');
    const head = chunk.subarray(0, headerEnd).toString('utf8');
    const name = /name="([^"]*)"/.exec(head)?.[1] ?? '';
    const filename = /filename="([^"]*)"/.exec(head)?.[1] ?? null;
    const partType = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? null;
    parts.push({ name, filename, contentType: partType, data: Buffer.from(chunk.subarray(headerEnd + 4)) });
    start = next;
  }
  return parts;
}

function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function openAiError(message: string, param: string | null, code: string | null) {
  return { error: { message, type: 'invalid_request_error', param, code } };
}

/** What OpenAI refuses, checked in the order it reports them. */
function openAiRejection(parts: RecordedPart[]): { error: ReturnType<typeof openAiError>['error'] } | null {
  const field = (name: string) => parts.find((part) => part.name === name && part.filename === null)?.data.toString();
  const model = field('model') ?? 'dall-e-2';
  if (model.startsWith('gpt-image') && field('response_format') !== undefined) return openAiError("Unknown parameter: 'response_format'.", 'response_format', 'unknown_parameter');
  for (const part of parts.filter((candidate) => candidate.filename !== null)) {
    if (!['image/png', 'image/jpeg', 'image/webp'].includes(part.contentType ?? '')) {
      return openAiError(
        `Invalid file '${part.name}': unsupported mimetype ('${part.contentType}'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.`,
        part.name,
        'unsupported_file_mimetype',
      );
    }
  }
  const images = parts.filter((part) => part.name === 'image' || part.name === 'image[]');
  const mask = parts.find((part) => part.name === 'mask');
  if (mask && images[0]) {
    const imageFacts = readImageFacts(images[0].data);
    const maskFacts = readImageFacts(mask.data);
    if (imageFacts.width !== maskFacts.width || imageFacts.height !== maskFacts.height) {
      return openAiError('Invalid mask image format - mask size does not match image size', 'mask', 'invalid_image_format');
    }
  }
  return null;
}

const testHostsAgent = new Agent({ connect: { rejectUnauthorized: false } });

/** OpenAI's JSON edit (`images` of `image_url`s, fetched or decoded as OpenAI would) as parts. */
async function jsonEditParts(json: Record<string, unknown>): Promise<RecordedPart[]> {
  const parts: RecordedPart[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name !== 'images' && name !== 'mask' && name !== 'markup') parts.push({ name, filename: null, contentType: null, data: Buffer.from(String(value)) });
  }
  const load = async (ref: { image_url?: string }): Promise<Buffer> => {
    const url = ref.image_url ?? '';
    if (url.startsWith('data:')) return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
    // Test image hosts use certificates made by the test (as OpenAI, this fake trusts them).
    return undiciRequest(url, { dispatcher: testHostsAgent }).then(async (answer) => Buffer.from(await answer.body.arrayBuffer()), () => Buffer.alloc(0));
  };
  for (const ref of (json.images as Array<{ image_url?: string }>) ?? []) parts.push({ name: 'image[]', filename: 'image', contentType: 'image/png', data: await load(ref) });
  for (const name of ['mask', 'markup']) {
    if (json[name]) parts.push({ name, filename: name, contentType: 'image/png', data: await load(json[name] as { image_url?: string }) });
  }
  return parts;
}

export async function startFakeUpstream(fallback: UpstreamBehaviour = { kind: 'openai' }): Promise<FakeUpstream> {
  const resultImage = await opaquePng(8, 8);
  const queue: UpstreamBehaviour[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const files = new Map<string, Buffer>();
  const state = { fallback };

  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url?.startsWith('/files/')) {
      const stored = files.get(request.url.slice('/files/'.length));
      if (!stored) return sendJson(response, 404, openAiError('not found', null, null));
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(stored);
      return;
    }
    const behaviour = queue.shift() ?? state.fallback;
    if (behaviour.kind === 'reset-mid-body') {
      // Take some of the body, then drop the connection while the client is still sending.
      request.once('data', () => request.socket.destroy());
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks);
      const isJson = /^application\/json/.test(String(request.headers['content-type'] ?? ''));
      const json = isJson ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : undefined;
      const parts = json ? await jsonEditParts(json) : parseMultipart(body, String(request.headers['content-type'] ?? ''));
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body, parts, ...(json ? { json } : {}) });
      const delayMs = behaviour.kind === 'openai' ? (behaviour.delayMs ?? 0) : 0;
      const answer = () => respond(behaviour, parts, response).catch(() => response.destroy());
      if (delayMs > 0) setTimeout(answer, delayMs);
      else void answer();
    });
  });

  /** The requested size (`auto` or absent: the first input's) and output format, as OpenAI would answer. */
  async function outputImage(parts: RecordedPart[]): Promise<Buffer> {
    const field = (name: string) => parts.find((part) => part.name === name && part.filename === null)?.data.toString();
    const input = parts.find((part) => part.name === 'image' || part.name === 'image[]');
    const facts = input ? readImageFacts(input.data) : { width: 8, height: 8 };
    const size = /^(\d+)x(\d+)$/.exec(field('size') ?? '');
    const width = size ? Number(size[1]) : facts.width;
    const height = size ? Number(size[2]) : facts.height;
    const format = (field('output_format') ?? 'png') as 'png' | 'jpeg' | 'webp' | 'gif' | 'svg';
    if (format === 'svg') return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#c86432"/></svg>`);
    return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 100, b: 50 } } }).toFormat(format).toBuffer();
  }

  async function respond(behaviour: UpstreamBehaviour, parts: RecordedPart[], response: http.ServerResponse) {
    const field = (name: string) => parts.find((part) => part.name === name && part.filename === null)?.data.toString();
    switch (behaviour.kind) {
      case 'hang':
        return;
      case 'status':
        return sendJson(
          response,
          behaviour.status,
          behaviour.body ?? { error: { message: `cued ${behaviour.status}`, type: 'server_error', param: null, code: null } },
          behaviour.retryAfterSeconds === undefined ? {} : { 'retry-after': String(behaviour.retryAfterSeconds) },
        );
      case 'stream-then-error': {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(`event: image_edit.partial_image\ndata: ${JSON.stringify({ type: 'image_edit.partial_image', b64_json: resultImage.toString('base64'), partial_image_index: 0, created_at: 1, size: '1024x1024', quality: 'high', background: 'opaque', output_format: 'png' })}\n\n`);
        response.end(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'server_error', code: 'upstream_cued', message: 'cued failure mid-stream', param: null } })}\n\n`);
        return;
      }
      case 'openai': {
        const rejection = openAiRejection(parts);
        if (rejection) return sendJson(response, 400, rejection);
        const model = field('model') ?? 'dall-e-2';
        const n = Number(field('n') ?? 1);
        if (field('stream') === 'true') {
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          const common = { created_at: 1764086400, size: '1024x1024', quality: 'high', background: 'opaque', output_format: 'png' };
          const partials = Number(field('partial_images') ?? 0);
          for (let index = 0; index < partials; index++) {
            response.write(`event: image_edit.partial_image\ndata: ${JSON.stringify({ type: 'image_edit.partial_image', b64_json: resultImage.toString('base64'), partial_image_index: index, ...common })}\n\n`);
          }
          response.end(`event: image_edit.completed\ndata: ${JSON.stringify({ type: 'image_edit.completed', b64_json: resultImage.toString('base64'), ...common, usage: fakeUsage })}\n\n`);
          return;
        }
        const wantsUrl = behaviour.answerWithUrl ?? (!model.startsWith('gpt-image') && field('response_format') !== 'b64_json');
        const address = server.address() as AddressInfo;
        const data = [];
        for (let index = 0; index < n; index++) {
          const bytes = await outputImage(parts);
          const name = `result-${files.size}.png`;
          if (wantsUrl) files.set(name, bytes);
          data.push(wantsUrl ? { url: `http://127.0.0.1:${address.port}/files/${name}` } : { b64_json: bytes.toString('base64') });
        }
        return sendJson(response, 200, model.startsWith('gpt-image') ? { created: 1764086400, data, usage: fakeUsage } : { created: 1764086400, data });
      }
    }
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    cue: (...behaviours) => queue.push(...behaviours),
    get fallback() {
      return state.fallback;
    },
    set fallback(next: UpstreamBehaviour) {
      state.fallback = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

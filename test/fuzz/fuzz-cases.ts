/**
 * The fuzz mix: each case is the exact bytes of one HTTP/1.1 request and how to deliver them
 * (whole, or cut off and then half-closed, reset or left hanging). Valid edits are mixed in
 * and must succeed; everything else may be refused but must be refused well (see judge).
 */
import { damageBytes, mutateImage, type FuzzImageFormat } from './mutate-image.ts';
import type { Random } from './random.ts';

export type Delivery =
  | { readonly kind: 'whole' }
  /** Write the first `at` bytes, then FIN (`fin`), RST (`rst`) or nothing more (`stall`). */
  | { readonly kind: 'cut'; readonly at: number; readonly then: 'fin' | 'rst' | 'stall' };

export interface FuzzCase {
  readonly family: string;
  readonly bytes: Buffer;
  readonly delivery: Delivery;
  /** A valid request: it must be answered 200 (or 2xx), not merely refused well. */
  readonly mustSucceed: boolean;
}

export interface FuzzImages {
  readonly small: Readonly<Record<FuzzImageFormat, Buffer>>;
  /** A PNG with a transparent hole, square, for dall-e-2 and pixelgate-fill. */
  readonly holed: Buffer;
  /** Larger valid inputs (megapixels, each with its own transparent hole), for the memory side of the mix. */
  readonly large: readonly Buffer[];
  /** A mask the size of the small images. */
  readonly mask: Buffer;
}

export interface FuzzContext {
  readonly host: string;
  readonly apiKey: string;
  readonly adminKey: string;
  readonly images: FuzzImages;
  /** Result paths handed out by earlier valid edits (`/v1/results/…?expires=…&signature=…`). */
  readonly resultPaths: string[];
}

type Part = { name: string | null; value: Buffer | string; filename?: string; contentType?: string | null; extraHeaders?: string[] };

function multipart(parts: readonly Part[], boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = ['form-data'];
    if (part.name !== null) disposition.push(`name="${part.name}"`);
    if (part.filename !== undefined) disposition.push(`filename="${part.filename}"`);
    let head = `--${boundary}\r\nContent-Disposition: ${disposition.join('; ')}\r\n`;
    if (part.contentType) head += `Content-Type: ${part.contentType}\r\n`;
    for (const header of part.extraHeaders ?? []) head += `${header}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, 'utf8'), Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value, 'utf8'), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

function request(method: string, path: string, headers: readonly [string, string][], body: Buffer | null): Buffer {
  const head = `${method} ${path} HTTP/1.1\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return body === null ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function editHeaders(context: FuzzContext, boundary: string, body: Buffer): [string, string][] {
  return [
    ['Host', context.host],
    ['Connection', 'close'],
    ['Authorization', `Bearer ${context.apiKey}`],
    ['Content-Type', `multipart/form-data; boundary=${boundary}`],
    ['Content-Length', String(body.length)],
  ];
}

const boundaryOf = (random: Random) => `----fuzz${random.int(0, 1e9).toString(36)}`;

/** The parts of a valid edit: dall-e-2 on a small holed PNG, or pixelgate-fill on any format. */
function validParts(random: Random, context: FuzzContext, options: { large?: boolean } = {}): Part[] {
  const { images } = context;
  if (!options.large && random.chance(0.4)) {
    return [
      { name: 'model', value: 'dall-e-2' },
      { name: 'prompt', value: random.text(random.int(1, 60)).replace(/\u0000/g, '') || 'p' },
      { name: 'image', value: images.holed, filename: 'holed.png', contentType: 'image/png' },
      { name: 'n', value: String(random.int(1, 2)) },
      { name: 'size', value: random.pick(['256x256', '512x512']) },
      { name: 'response_format', value: random.pick(['url', 'b64_json']) },
    ];
  }
  const format = random.pick(['png', 'jpeg', 'webp'] as const);
  const image = options.large ? random.pick(images.large) : format === 'png' ? images.holed : images.small[format];
  const parts: Part[] = [
    { name: 'model', value: 'pixelgate-fill' },
    { name: 'prompt', value: 'fill it' },
    { name: 'image', value: image, filename: `in.${format}`, contentType: options.large ? 'image/png' : `image/${format}` },
    { name: 'response_format', value: random.pick(['url', 'b64_json']) },
    { name: 'n', value: String(options.large ? random.int(1, 2) : random.int(1, 3)) },
  ];
  if (format !== 'png' && !options.large) parts.push({ name: 'mask', value: images.mask, filename: 'mask.png', contentType: 'image/png' });
  if (random.chance(0.3)) parts.push({ name: 'output_format', value: random.pick(['png', 'jpeg', 'webp']) });
  return parts;
}

function validEdit(random: Random, context: FuzzContext, large = false): FuzzCase {
  const boundary = boundaryOf(random);
  const body = multipart(validParts(random, context, { large }), boundary);
  return { family: large ? 'valid-large-edit' : 'valid-edit', bytes: request('POST', '/v1/images/edits', editHeaders(context, boundary, body), body), delivery: { kind: 'whole' }, mustSucceed: true };
}

const interestingValues = [
  '', ' ', '0', '-1', '1', '2', '10', '11', '1e3', '0x10', 'NaN', 'Infinity', 'null', 'true', 'false', '[]', '{}', '"x"',
  '256x256', '1024x1024', '1x1', '99999x99999', 'autox', 'auto', 'url', 'b64_json', 'png', 'jpeg', 'webp', 'gif',
  'low', 'high', 'transparent', 'dall-e-2', 'gpt-image-1', 'pixelgate-fill', 'no-such-model', '../../etc/passwd',
  '%00', '\u0000', 'x'.repeat(40_000), '\ud800', '\u65e5\u672c',
];
const fieldNames = [
  'model', 'prompt', 'n', 'size', 'response_format', 'output_format', 'output_compression', 'quality', 'background',
  'stream', 'partial_images', 'user', 'input_fidelity', 'moderation', 'image', 'image[]', 'mask', 'unknown_field', '', 'IMAGE', 'model ',
];

function fieldFuzz(random: Random, context: FuzzContext): FuzzCase {
  const boundary = boundaryOf(random);
  const parts = validParts(random, context);
  const edits = random.int(1, 4);
  for (let edit = 0; edit < edits; edit++) {
    const roll = random.int(0, 6);
    const name = random.pick(fieldNames);
    const value = random.chance(0.7) ? random.pick(interestingValues) : random.text(random.int(0, 200));
    if (roll === 0) parts.push({ name, value }); // extra or repeated field
    else if (roll === 1 && parts.length > 1) parts.splice(random.int(0, parts.length - 1), 1); // a field dropped
    else if (roll === 2) parts.push({ name: null, value }); // a part with no name
    else if (roll === 3) parts.push({ name: random.pick(['image', 'mask', 'image[]']), value: random.bytes(random.int(0, 300)), filename: random.pick(['', 'x', '../../x.png', 'a'.repeat(300), 'é.png']), contentType: random.pick([null, 'image/png', 'text/plain', 'application/octet-stream', 'image/gif', ';;']) });
    else if (roll === 4) parts.push({ name, value, filename: 'field.txt', contentType: 'text/plain' }); // a field sent as a file
    else if (roll === 5) parts.push({ name, value, extraHeaders: [random.pick(['Content-Transfer-Encoding: base64', 'Content-Type: text/plain; charset=utf-16', 'X: ' + 'y'.repeat(3000)])] });
    else {
      const index = random.int(0, parts.length - 1);
      parts[index] = { ...parts[index], value };
    }
  }
  const body = multipart(parts, boundary);
  return { family: 'fields', bytes: request('POST', '/v1/images/edits', editHeaders(context, boundary, body), body), delivery: { kind: 'whole' }, mustSucceed: false };
}

function imageFuzz(random: Random, context: FuzzContext): FuzzCase {
  const boundary = boundaryOf(random);
  const format = random.pick(['png', 'jpeg', 'webp'] as const);
  const source = format === 'png' && random.chance(0.5) ? context.images.holed : context.images.small[format];
  const asMask = random.chance(0.2);
  const mutated = mutateImage(random, source, format);
  const parts: Part[] = [
    { name: 'model', value: random.pick(['dall-e-2', 'pixelgate-fill']) },
    { name: 'prompt', value: 'p' },
    { name: 'image', value: asMask ? context.images.holed : mutated, filename: `in.${format}`, contentType: random.pick([`image/${format}`, 'application/octet-stream', 'image/png']) },
  ];
  if (asMask) parts.push({ name: 'mask', value: mutated, filename: 'mask.png', contentType: 'image/png' });
  const body = multipart(parts, boundary);
  return { family: `image-${format}`, bytes: request('POST', '/v1/images/edits', editHeaders(context, boundary, body), body), delivery: { kind: 'whole' }, mustSucceed: false };
}

function framingFuzz(random: Random, context: FuzzContext): FuzzCase {
  const boundary = boundaryOf(random);
  let body = multipart(validParts(random, context), boundary);
  const headEnd = 200;
  switch (random.int(0, 5)) {
    case 0:
      body = damageBytes(random, body);
      break;
    case 1: {
      // a stretch duplicated
      const from = random.int(0, body.length - 1);
      const to = Math.min(body.length, from + random.int(1, 400));
      body = Buffer.concat([body.subarray(0, to), body.subarray(from, to), body.subarray(to)]);
      break;
    }
    case 2: {
      // boundary lines broken: CRLFs dropped, dashes changed, closing delimiter gone
      const text = body.toString('latin1');
      const broken = random.pick([
        () => text.replace(`--${boundary}--\r\n`, ''),
        () => text.replace(new RegExp(`\r\n--${boundary}`), `\n--${boundary}`),
        () => text.replace(`--${boundary}`, `-${boundary}`),
        () => text.replaceAll('\r\n\r\n', '\r\n'),
        () => text.replace('Content-Disposition: form-data;', 'Content-Disposition:'),
        () => `--${boundary}\r\n` + text,
        () => text + random.text(random.int(1, 500)),
      ])();
      body = Buffer.from(broken, 'latin1');
      break;
    }
    case 3:
      // cut short, but framed as complete
      body = body.subarray(0, random.int(0, body.length - 1));
      break;
    case 4:
      body = Buffer.concat([body.subarray(0, headEnd), random.bytes(random.int(1, 2000)), body.subarray(headEnd)]);
      break;
    default:
      body = random.bytes(random.int(0, 5000));
  }
  return { family: 'framing', bytes: request('POST', '/v1/images/edits', editHeaders(context, boundary, body), body), delivery: { kind: 'whole' }, mustSucceed: false };
}

function headerFuzz(random: Random, context: FuzzContext): FuzzCase {
  const boundary = boundaryOf(random);
  const body = multipart(validParts(random, context), boundary);
  let headers = editHeaders(context, boundary, body);
  let method = 'POST';
  let path = '/v1/images/edits';
  const set = (name: string, value: string | null) => {
    headers = headers.filter(([candidate]) => candidate.toLowerCase() !== name.toLowerCase());
    if (value !== null) headers.push([name, value]);
  };
  const edits = random.int(1, 3);
  for (let edit = 0; edit < edits; edit++) {
    switch (random.int(0, 11)) {
      case 0:
        set('Content-Length', random.pick(['-1', 'abc', '', '1e3', String(body.length + random.int(1, 50)), String(Math.max(0, body.length - random.int(1, 50))), '99999999999999999999', ' 5']));
        break;
      case 1:
        headers.push(['Content-Length', random.pick([String(body.length), String(body.length + 1)])]);
        break;
      case 2:
        headers.push(['Transfer-Encoding', random.pick(['chunked', 'gzip', 'gzip, chunked', 'identity', 'chunked, chunked', 'xchunked'])]);
        break;
      case 3:
        set('Content-Type', random.pick(['multipart/form-data', 'multipart/form-data; boundary=', `multipart/form-data; boundary="${boundary}"`, 'multipart/mixed; boundary=x', 'application/json', 'text/plain', '', `multipart/form-data; boundary=${'b'.repeat(200)}`, 'application/x-www-form-urlencoded']));
        break;
      case 4:
        set('Host', null);
        break;
      case 5:
        headers.push(['X-Big', 'h'.repeat(random.int(1000, 40_000))]);
        break;
      case 6:
        method = random.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'FOO', 'GET', 'TRACE', 'CONNECT']);
        break;
      case 7:
        path = random.pick(['/v1/images/edits/', '//v1/images/edits', '/v1/images/%65dits', '/v1/images/edits?x=%zz', '/v1/./images/edits', '/v1/images/edits#f', '/' + 'a'.repeat(random.int(100, 9000)), '/v1/images/edits%00', '*', 'http://evil/v1/images/edits', '/v1/images/../../admin/keys']);
        break;
      case 8:
        set('Authorization', random.pick(['Bearer', 'Bearer ', `Bearer ${context.apiKey}x`, `bearer ${context.apiKey}`, `Basic ${context.apiKey}`, 'Bearer ' + 'k'.repeat(5000), `Bearer ${context.adminKey}`]));
        break;
      case 9:
        headers.push(['Expect', random.pick(['100-continue', 'nonsense'])]);
        break;
      case 10:
        headers.push([random.pick(['Bad Header', 'X:Y', '', 'X-\u00ff']), 'v']);
        break;
      default:
        headers.push(['Content-Encoding', random.pick(['gzip', 'br', 'deflate'])]);
    }
  }
  return { family: 'headers', bytes: request(method, path, headers, body), delivery: { kind: 'whole' }, mustSucceed: false };
}

function chunkedFuzz(random: Random, context: FuzzContext): FuzzCase {
  const boundary = boundaryOf(random);
  const body = multipart(validParts(random, context), boundary);
  const chunks: Buffer[] = [];
  let offset = 0;
  const broken = random.chance(0.5);
  while (offset < body.length) {
    const size = Math.min(body.length - offset, random.int(1, 20_000));
    const sizeLine = broken && random.chance(0.05) ? random.pick(['zz', '-1', `${size.toString(16)};ext=1`, ' ', 'ffffffffffffffff', (size + 3).toString(16)]) : size.toString(16);
    chunks.push(Buffer.from(`${sizeLine}\r\n`), body.subarray(offset, offset + size), Buffer.from(broken && random.chance(0.03) ? '\n' : '\r\n'));
    offset += size;
  }
  if (!broken || random.chance(0.5)) chunks.push(Buffer.from(random.pick(['0\r\n\r\n', '0\r\nX-Trailer: 1\r\n\r\n'])));
  const headers = editHeaders(context, boundary, body).filter(([name]) => name !== 'Content-Length');
  headers.push(['Transfer-Encoding', 'chunked']);
  // Unterminated chunked bodies stay open until the body timeout: delivered whole, judged on time.
  return { family: broken ? 'chunked-broken' : 'chunked', bytes: request('POST', '/v1/images/edits', headers, Buffer.concat(chunks)), delivery: { kind: 'whole' }, mustSucceed: !broken };
}

function cutOff(random: Random, context: FuzzContext): FuzzCase {
  const whole = random.chance(0.3) ? validEdit(random, context, true) : validEdit(random, context);
  const at = random.int(1, whole.bytes.length - 1);
  return { family: 'cut-off', bytes: whole.bytes, delivery: { kind: 'cut', at, then: random.pick(['fin', 'fin', 'rst', 'stall']) }, mustSucceed: false };
}

function jsonFuzz(random: Random, context: FuzzContext): FuzzCase {
  const samples = [
    '{}', '[]', 'null', '{"name":', '{"name":"x"', `{"name":"${random.text(20).replace(/["\\]/g, '')}"}`, '{"name":1}', '{"name":"a","credit_usd":-5}',
    '{"prompt":"p","image":"data:image/png;base64,AAAA"}', '{"images":[{"image_url":"http://169.254.169.254/"}],"prompt":"p"}',
    '{"__proto__":{"admin":true},"name":"p"}', '{"name":"' + 'n'.repeat(100_000) + '"}', JSON.stringify({ a: Array.from({ length: 2000 }, () => ({})) }),
    '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}', '\u0000', '{"name":"x"}garbage', '{"name":"\ud800"}',
  ];
  let text = random.pick(samples);
  if (random.chance(0.3)) text = damageBytes(random, Buffer.from(text)).toString('latin1');
  const body = Buffer.from(text, 'latin1');
  const target = random.pick([
    ['POST', '/v1/images/edits', context.apiKey],
    ['POST', '/admin/keys', context.adminKey],
    ['PATCH', '/admin/keys/key_nope', context.adminKey],
    ['POST', '/admin/keys', context.apiKey],
    ['POST', '/v1/images/edits', ''],
  ] as const);
  const headers: [string, string][] = [
    ['Host', context.host],
    ['Connection', 'close'],
    ['Content-Type', random.pick(['application/json', 'application/json; charset=utf-8', 'application/JSON', 'text/json'])],
    ['Content-Length', String(body.length)],
  ];
  if (target[2]) headers.push(['Authorization', `Bearer ${target[2]}`]);
  return { family: 'json', bytes: request(target[0], target[1], headers, body), delivery: { kind: 'whole' }, mustSucceed: false };
}

function resultPathFuzz(random: Random, context: FuzzContext): FuzzCase {
  const issued = context.resultPaths.length > 0 ? random.pick(context.resultPaths) : '/v1/results/none?expires=1&signature=x';
  const unchanged = random.chance(0.2) && context.resultPaths.length > 0;
  let path = issued;
  if (!unchanged) {
    path = random.pick([
      () => issued.replace(/signature=[^&]+/, 'signature=' + random.text(10).replace(/[^A-Za-z0-9_-]/g, 'A')),
      () => issued.replace(/expires=\d+/, `expires=${random.pick(['0', '-1', '99999999999', 'x', ''])}`),
      () => issued.replace('/v1/results/', '/v1/results/..%2f..%2f'),
      () => issued.replace('/v1/results/', '/v1/results/' + 'k'.repeat(random.int(90, 5000))),
      () => issued.split('?')[0],
      () => issued.replace('/v1/results/', '/v1/results/%2e%2e/'),
      () => `/v1/results/${encodeURIComponent(random.text(12))}?expires=1&signature=x`,
      () => issued + '&extra=' + random.text(5).replace(/[&#\s]/g, ''),
      () => issued.replace(/.$/, ''),
      () => issued.replace('/v1/results/', '/v1/results//'),
    ])();
  }
  const headers: [string, string][] = [['Host', context.host], ['Connection', 'close']];
  if (random.chance(0.3)) headers.push(['Range', random.pick(['bytes=0-10', 'bytes=-5', 'bytes=999999999-', 'bytes=a-b', 'bytes=0-1,2-3'])]);
  return { family: 'result-path', bytes: request(random.pick(['GET', 'GET', 'HEAD']), path.replace(/[\s]/g, '%20'), headers, null), delivery: { kind: 'whole' }, mustSucceed: unchanged };
}

const families: readonly [number, (random: Random, context: FuzzContext) => FuzzCase][] = [
  [8, (random, context) => validEdit(random, context)],
  [2, (random, context) => validEdit(random, context, true)],
  [16, fieldFuzz],
  [16, imageFuzz],
  [14, framingFuzz],
  [14, headerFuzz],
  [8, chunkedFuzz],
  [10, cutOff],
  [6, jsonFuzz],
  [6, resultPathFuzz],
];
const totalWeight = families.reduce((total, [weight]) => total + weight, 0);

export function nextCase(random: Random, context: FuzzContext): FuzzCase {
  let roll = random.next() * totalWeight;
  for (const [weight, make] of families) {
    roll -= weight;
    if (roll < 0) return make(random, context);
  }
  return families[0][1](random, context);
}

/**
 * JSON edit bodies (`Content-Type: application/json`) end to end, through the official SDK's
 * JSON path (`client.post`) and raw requests: images as data URLs and as URLs served by a
 * loopback test server (allowed by this server's config), validated like multipart and
 * forwarded to the OpenAI channel as the same JSON, byte for byte (file ids as data URLs); refused by default for loopback (a literal, `localhost`), after a redirect to a
 * refused address, for non-https; JSON types checked against the model's schema; JSON for
 * multipart-only models refused; an unknown file_id a 404.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { fakeUsage, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { halfTransparentMask, opaquePng } from '../support/images.ts';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';

let upstream: FakeUpstream;
let imageHost: http.Server;
let imageBase = '';
/** The same images over https, with a certificate this test makes (trusted by the permissive server's config). */
let secureHost: https.Server;
let secureBase = '';
let permissive: RunningServer;
let strict: RunningServer;
let permissiveKey = '';
let strictKey = '';
let png: Buffer;
let mask: Buffer;

const config = (upstreamBaseUrl: string, imageUrls: object) => ({
  imageUrls,
  models: { defaultModel: 'gpt-image-1', served: [{ id: 'gpt-image-1', rules: 'gpt-image-1' }, { id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'stand-in' }] },
  channels: [{ name: 'primary', type: 'openai', baseUrl: upstreamBaseUrl, apiKey: 'sk-a', models: [{ id: 'gpt-image-1' }] }],
  routing: { failureThreshold: 1000 },
});

before(async () => {
  png = await opaquePng(32, 32);
  mask = await halfTransparentMask(32, 32);
  const certificates = mkdtempSync(path.join(tmpdir(), 'pixelgate-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(certificates, 'key.pem'), '-out', path.join(certificates, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const certificate = readFileSync(path.join(certificates, 'cert.pem'), 'utf8');
  const privateKey = readFileSync(path.join(certificates, 'key.pem'), 'utf8');
  rmSync(certificates, { recursive: true, force: true });
  imageHost = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/image.png') return void response.writeHead(200, { 'content-type': 'image/png' }).end(png);
    if (url.pathname === '/mask.png') return void response.writeHead(200, { 'content-type': 'image/png' }).end(mask);
    if (url.pathname === '/text') return void response.writeHead(200, { 'content-type': 'image/png' }).end('not an image');
    if (url.pathname === '/redirect') return void response.writeHead(302, { location: url.searchParams.get('to')! }).end();
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => imageHost.listen(0, '127.0.0.1', resolve));
  imageBase = `http://127.0.0.1:${(imageHost.address() as AddressInfo).port}`;
  secureHost = https.createServer({ cert: certificate, key: privateKey }, (request, response) => imageHost.emit('request', request, response));
  await new Promise<void>((resolve) => secureHost.listen(0, '127.0.0.1', resolve));
  secureBase = `https://127.0.0.1:${(secureHost.address() as AddressInfo).port}`;
  upstream = await startFakeUpstream();
  permissive = await startServer({ config: config(upstream.baseUrl, { allowHttp: true, allowedCidrs: ['127.0.0.1/32'], extraCaCertificates: [certificate] }) });
  strict = await startServer({ config: config(upstream.baseUrl, {}) });
  permissiveKey = (await createKey(permissive, 'json')).key;
  strictKey = (await createKey(strict, 'json')).key;
});
after(async () => {
  await permissive?.stop();
  await strict?.stop();
  await upstream?.close();
  await new Promise((resolve) => imageHost.close(resolve));
  await new Promise((resolve) => secureHost.close(resolve));
});

const dataUrl = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;

async function postJson(server: RunningServer, apiKey: string, body: unknown) {
  const response = await fetch(`${server.baseUrl}/v1/images/edits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

function assertError(response: { status: number; json: any }, status: number, error: { message: string | RegExp; type?: string; param: string | null; code: string | null }) {
  assert.equal(response.status, status, JSON.stringify(response.json));
  const { message, ...rest } = error;
  const body = response.json.error;
  assert.deepEqual({ type: body.type, param: body.param, code: body.code }, { type: 'invalid_request_error', ...rest });
  if (typeof message === 'string') assert.equal(body.message, message);
  else assert.match(body.message, message);
}

describe('JSON edit bodies', () => {
  it('the SDK posts JSON with a data URL image and a URL mask; the upstream gets the exact bytes and every field', async () => {
    const client = new OpenAI({ apiKey: permissiveKey, baseURL: `${permissive.baseUrl}/v1`, maxRetries: 0 });
    const body = { model: 'gpt-image-1', prompt: 'add a hat', images: [{ image_url: dataUrl(png) }, { image_url: `${secureBase}/image.png` }], mask: { image_url: `${secureBase}/mask.png` }, n: 1, quality: 'low', safety_identifier: 'user-7' };
    const result: any = await client.post('/images/edits', { body });
    assert.deepEqual(result.usage, fakeUsage);
    const sent = upstream.requests.at(-1)!;
    // To OpenAI itself the JSON goes as JSON, byte for byte (the SDK serializes with JSON.stringify);
    // the upstream fetches the URLs itself.
    assert.match(String(sent.headers['content-type']), /^application\/json/);
    assert.equal(sent.body.toString('utf8'), JSON.stringify(body));
    assert.deepEqual(sent.parts.filter((part) => part.filename === null).map((part) => [part.name, part.data.toString()]), [['model', 'gpt-image-1'], ['prompt', 'add a hat'], ['n', '1'], ['quality', 'low'], ['safety_identifier', 'user-7']]);
    const files = sent.parts.filter((part) => part.filename !== null);
    assert.deepEqual(files.map((part) => [part.name, part.contentType]), [['image[]', 'image/png'], ['image[]', 'image/png'], ['mask', 'image/png']]);
    assert.ok(files[0].data.equals(png) && files[1].data.equals(png) && files[2].data.equals(mask));
  });

  it('refuses loopback by default — a literal, localhost, and plain http — naming the image', async () => {
    const port = new URL(imageBase).port;
    const cases: Array<[string, RegExp]> = [
      [`https://127.0.0.1:${port}/image.png`, /may not fetch from \(private, loopback/],
      [`https://localhost:${port}/image.png`, /may not fetch from \(private, loopback/],
      [`${imageBase}/image.png`, /only https URLs can be fetched/],
    ];
    for (const [url, reason] of cases) {
      const refused = await postJson(strict, strictKey, { model: 'gpt-image-1', prompt: 'p', images: [{ image_url: dataUrl(png) }, { image_url: url }] });
      assertError(refused, 400, { message: reason, param: 'images[1].image_url', code: 'invalid_image_url' });
    }
  });

  it('where loopback is allowed, a redirect to another (refused) loopback address is still refused; non-images are named', async () => {
    const port = new URL(imageBase).port;
    const redirect = `${imageBase}/redirect?to=${encodeURIComponent(`http://127.0.0.2:${port}/image.png`)}`;
    assertError(await postJson(permissive, permissiveKey, { prompt: 'p', images: [{ image_url: redirect }] }), 400, { message: /may not fetch from/, param: 'images[0].image_url', code: 'invalid_image_url' });
    assertError(await postJson(permissive, permissiveKey, { prompt: 'p', images: [{ image_url: `${imageBase}/text` }] }), 400, { message: /not a PNG, JPEG or WebP image/, param: 'images[0].image_url', code: 'invalid_image_url' });
    assertError(await postJson(permissive, permissiveKey, { prompt: 'p', images: [{ image_url: `${imageBase}/missing` }] }), 400, { message: /HTTP 404/, param: 'images[0].image_url', code: 'invalid_image_url' });
  });

  it('checks JSON types and shapes with OpenAI-style errors; multipart-only models refuse JSON; an unknown file_id is a 404', async () => {
    const image = { image_url: dataUrl(png) };
    const post = (body: unknown) => postJson(permissive, permissiveKey, body);
    assertError(await post({ prompt: 'p', images: [image], n: '2' }), 400, { message: "Invalid type for 'n': expected an integer, but got a string instead.", param: 'n', code: 'invalid_type' });
    assertError(await post({ prompt: 'p', images: [image], stream: 'yes' }), 400, { message: "Invalid type for 'stream': expected a boolean, but got a string instead.", param: 'stream', code: 'invalid_type' });
    assertError(await post({ prompt: 'p' }), 400, { message: /images/, param: 'images', code: 'missing_required_parameter' });
    assertError(await post({ prompt: 'p', images: image }), 400, { message: "Invalid type for 'images': expected an array, but got an object instead.", param: 'images', code: 'invalid_type' });
    assertError(await post({ prompt: 'p', images: [{ image_url: dataUrl(png), file_id: 'file-1' }] }), 400, { message: "Invalid type for 'images[0]': expected an object with exactly one of 'image_url' or 'file_id', but got both instead.", param: 'images[0]', code: 'invalid_type' });
    assertError(await post({ prompt: 'p', images: [{ url: 'x' }] }), 400, { message: "Unknown parameter: 'images[0].url'.", param: 'images[0].url', code: 'unknown_parameter' });
    assertError(await post({ prompt: 'p', images: [{ image_url: 'data:image/png;base64' }] }), 400, { message: /not a base64 data URL/, param: 'images[0].image_url', code: 'invalid_image_url' });
    assertError(await post({ model: 'pixelgate-fill', prompt: 'p', images: [image] }), 400, { message: "JSON request bodies are supported for GPT image models only; send multipart/form-data to edit with 'pixelgate-fill'.", param: 'model', code: 'invalid_content_type' });
    assertError(await post({ prompt: 'p', images: [{ file_id: 'file-nope' }] }), 404, { message: 'No such File object: file-nope', param: null, code: 'file_not_found' });
    // The same rules as multipart apply after the conversion.
    assertError(await post({ prompt: 'p', images: [image], quality: 'ultra' }), 400, { message: /Invalid value: 'ultra'/, param: 'quality', code: 'invalid_value' });
    const malformed = await fetch(`${permissive.baseUrl}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${permissiveKey}`, 'content-type': 'application/json' }, body: '{"prompt":' });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as any).error.type, 'invalid_request_error');
  });

  it('files: the SDK uploads an image (purpose vision), an edit uses it by file_id, only its key can see or use it, delete removes it', async () => {
    const client = new OpenAI({ apiKey: permissiveKey, baseURL: `${permissive.baseUrl}/v1`, maxRetries: 0 });
    const uploaded = await client.files.create({ file: await toFile(png, 'beach.png', { type: 'image/png' }), purpose: 'vision' });
    assert.match(uploaded.id, /^file-[A-Za-z0-9]{24}$/);
    assert.deepEqual({ ...uploaded, id: 'x', created_at: 0, expires_at: 0 }, { id: 'x', object: 'file', bytes: png.length, created_at: 0, expires_at: 0, filename: 'beach.png', purpose: 'vision', status: 'processed', status_details: null });
    assert.ok(uploaded.expires_at! > uploaded.created_at);
    assert.deepEqual(await client.files.retrieve(uploaded.id), uploaded);
    const content = Buffer.from(await (await client.files.content(uploaded.id)).arrayBuffer());
    assert.ok(content.equals(png));

    const edited: any = await client.post('/images/edits', { body: { prompt: 'p', images: [{ file_id: uploaded.id }] } });
    assert.equal(edited.data.length, 1);
    // This server's file id means nothing upstream: the image goes as a data URL.
    assert.deepEqual(upstream.requests.at(-1)!.json, { prompt: 'p', images: [{ image_url: dataUrl(png) }], model: 'gpt-image-1' });
    assert.ok(upstream.requests.at(-1)!.parts.find((part) => part.filename !== null)!.data.equals(png));

    const stranger = (await createKey(permissive, 'stranger')).key;
    assertError(await postJson(permissive, stranger, { prompt: 'p', images: [{ file_id: uploaded.id }] }), 404, { message: `No such File object: ${uploaded.id}`, param: null, code: 'file_not_found' });
    const strangerClient = new OpenAI({ apiKey: stranger, baseURL: `${permissive.baseUrl}/v1`, maxRetries: 0 });
    await assert.rejects(strangerClient.files.retrieve(uploaded.id), (error: any) => error.status === 404 && error.error.code === 'file_not_found');
    await assert.rejects(strangerClient.files.delete(uploaded.id), (error: any) => error.status === 404);

    assert.deepEqual(await client.files.delete(uploaded.id), { id: uploaded.id, object: 'file', deleted: true });
    await assert.rejects(client.files.retrieve(uploaded.id), (error: any) => error.status === 404);
    await assert.rejects(client.files.create({ file: await toFile(Buffer.from('plain text'), 'a.txt', { type: 'text/plain' }), purpose: 'vision' }), (error: any) => error.status === 400 && error.error.code === 'unsupported_file_mimetype');
    await assert.rejects(client.files.create({ file: await toFile(png, 'a.png', { type: 'image/png' }), purpose: 'batch' }), (error: any) => error.status === 400 && error.error.param === 'purpose' && error.error.code === 'invalid_value');
  });
});

/**
 * Relay mode end to end: the real server in front of an OpenAI-like upstream on loopback.
 * Asserts the exact parts Pixelgate sent upstream (fields, order, content types sniffed from
 * the bytes, model rewrite, all 16 images), url/b64 conversion both ways, an upstream 400
 * handed back as the upstream gave it, and `stream=true` passed through byte for byte.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { startFakeUpstream, fakeUsage, type FakeUpstream } from '../support/fake-upstream.ts';
import { halfTransparentMask, jpeg, opaquePng } from '../support/images.ts';
import { buildMultipart, postEdit, type TestPart } from '../support/multipart.ts';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';

let upstream: FakeUpstream;
let server: RunningServer;
let key: string;

before(async () => {
  upstream = await startFakeUpstream();
  server = await startServer({
    env: { RELAY_TEST_UPSTREAM_KEY: 'sk-upstream-from-env' },
    config: {
      models: {
        served: [
          { id: 'dall-e-2', rules: 'dall-e-2' },
          { id: 'gpt-image-1', rules: 'gpt-image-1' },
          { id: 'dall-e-2-upstream-urls', rules: 'dall-e-2' },
        ],
      },
      channels: [
        {
          name: 'upstream',
          type: 'openai-compatible',
          baseUrl: upstream.baseUrl,
          apiKeyEnv: 'RELAY_TEST_UPSTREAM_KEY',
          models: [{ id: 'gpt-image-1', upstreamModel: 'gpt-image-1-2025-04-15' }, { id: 'dall-e-2' }],
        },
        {
          name: 'upstream-urls',
          type: 'openai-compatible',
          baseUrl: upstream.baseUrl,
          apiKeyEnv: 'RELAY_TEST_UPSTREAM_KEY',
          passUpstreamUrls: true,
          models: [{ id: 'dall-e-2-upstream-urls', upstreamModel: 'dall-e-2' }],
        },
      ],
      // Prices replace the defaults; a relayed model with none would refuse to start.
      billing: {
        prices: [
          { model: 'dall-e-2', perImageUsd: { '*': 0.02 } },
          { model: 'gpt-image-1', perMillionTokensUsd: { textInput: 5, imageInput: 10, imageOutput: 40 } },
          { model: 'dall-e-2-upstream-urls', free: true },
        ],
      },
    },
  });
  key = (await createKey(server, 'relay')).key;
});
after(async () => {
  await server?.stop();
  await upstream?.close();
});

const lastRequest = () => upstream.requests[upstream.requests.length - 1];

describe('relay: what goes upstream', () => {
  it('forwards 16 images as image[] in order with sniffed types, the mask, every field and the rewritten model', async () => {
    const sources = [await opaquePng(32, 32), await jpeg(32, 32), await sharp({ create: { width: 32, height: 32, channels: 3, background: 'blue' } }).webp().toBuffer()];
    const images = Array.from({ length: 16 }, (_, index) => Buffer.concat([sources[index % 3]]));
    const mask = await halfTransparentMask(32, 32);
    const parts: TestPart[] = [
      { name: 'prompt', value: 'add a hat' },
      // Every part claims image/png; what goes upstream is the type sniffed from each file's bytes.
      ...images.map((data, index) => ({ name: 'image[]', filename: `in-${index}.bin`, data, contentType: 'image/png' })),
      { name: 'mask', filename: 'mask.png', data: mask, contentType: 'image/png' },
      { name: 'model', value: 'gpt-image-1' },
      { name: 'quality', value: 'low' },
      { name: 'output_format', value: 'webp' },
      { name: 'output_compression', value: '80' },
      { name: 'input_fidelity', value: 'high' },
      { name: 'user', value: 'end-user-7' },
    ];
    const response = await postEdit(server.baseUrl, key, parts);
    assert.equal(response.status, 200, JSON.stringify(response.json));
    const sent = lastRequest();
    assert.equal(sent.url, '/v1/images/edits');
    assert.equal(sent.headers.authorization, 'Bearer sk-upstream-from-env');
    assert.equal(sent.headers['content-length'], String(sent.body.length));
    assert.deepEqual(
      sent.parts.filter((part) => part.filename === null).map((part) => [part.name, part.data.toString()]),
      [['prompt', 'add a hat'], ['model', 'gpt-image-1-2025-04-15'], ['quality', 'low'], ['output_format', 'webp'], ['output_compression', '80'], ['input_fidelity', 'high'], ['user', 'end-user-7']],
    );
    const files = sent.parts.filter((part) => part.filename !== null);
    assert.deepEqual(files.map((part) => part.name), [...Array(16).fill('image[]'), 'mask']);
    assert.deepEqual(files.map((part) => part.contentType), [...images.map((_, index) => ['image/png', 'image/jpeg', 'image/webp'][index % 3]), 'image/png']);
    files.slice(0, 16).forEach((part, index) => assert.ok(part.data.equals(images[index]), `image ${index}`));
    assert.ok(files[16].data.equals(mask));
    assert.deepEqual(response.json.usage, fakeUsage);
    assert.equal(response.json.data.length, 1);
    assert.ok(typeof response.json.data[0].b64_json === 'string');
  });

  it('the openai SDK works through the relay; one file goes upstream as image', async () => {
    const client = new OpenAI({ apiKey: key, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 });
    const result = await client.images.edit({ model: 'gpt-image-1', image: await toFile(await opaquePng(16, 16), 'a.png', { type: 'image/png' }), prompt: 'p' });
    assert.equal(result.data?.length, 1);
    assert.deepEqual(lastRequest().parts.map((part) => part.name), ['model', 'prompt', 'image']);
  });
});

describe('relay: results either way', () => {
  it('dall-e-2 url asked, upstream answers base64: the image is stored and our signed URL returned', async () => {
    upstream.cue({ kind: 'openai', answerWithUrl: false });
    const response = await postEdit(server.baseUrl, key, [
      { name: 'model', value: 'dall-e-2' },
      { name: 'prompt', value: 'p' },
      { name: 'image', filename: 'a.png', data: await opaquePng(64, 64, 4), contentType: 'image/png' },
    ]);
    assert.equal(response.status, 200, JSON.stringify(response.json));
    const url: string = response.json.data[0].url;
    assert.ok(url.startsWith(`${server.baseUrl}/v1/results/`), url);
    const image = await fetch(url);
    assert.equal(image.status, 200);
    assert.equal((await sharp(Buffer.from(await image.arrayBuffer())).metadata()).width, 64);
  });

  it('b64_json asked, upstream answers with a URL: downloaded and inlined, the upstream URL never shown', async () => {
    upstream.cue({ kind: 'openai', answerWithUrl: true });
    const response = await postEdit(server.baseUrl, key, [
      { name: 'model', value: 'dall-e-2' },
      { name: 'prompt', value: 'p' },
      { name: 'response_format', value: 'b64_json' },
      { name: 'image', filename: 'a.png', data: await opaquePng(64, 64, 4), contentType: 'image/png' },
    ]);
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys(response.json.data[0]), ['b64_json']);
    assert.equal((await sharp(Buffer.from(response.json.data[0].b64_json, 'base64')).metadata()).width, 64);
    assert.equal(JSON.stringify(response.json).includes(upstream.baseUrl.replace('/v1', '')), false);
  });
});

describe('relay: upstream URLs only when configured', () => {
  it('a channel with passUpstreamUrls hands the upstream URL to a client that asked for url', async () => {
    const response = await postEdit(server.baseUrl, key, [
      { name: 'model', value: 'dall-e-2-upstream-urls' },
      { name: 'prompt', value: 'p' },
      { name: 'size', value: '256x256' },
      { name: 'image', filename: 'a.png', data: await opaquePng(64, 64, 4), contentType: 'image/png' },
    ]);
    assert.equal(response.status, 200, JSON.stringify(response.json));
    assert.match(response.json.data[0].url, new RegExp(`^${upstream.baseUrl.replace('/v1', '/files/')}result-\\d+\\.png$`));
    assert.equal(lastRequest().parts.find((part) => part.name === 'model')?.data.toString(), 'dall-e-2');
  });
});

describe('relay: errors and streams', () => {
  it('an upstream 400 about the request reaches the client as the upstream gave it', async () => {
    const upstreamError = { message: 'Your request was rejected as a result of our safety system.', type: 'image_generation_user_error', param: null, code: 'moderation_blocked' };
    upstream.cue({ kind: 'status', status: 400, body: { error: upstreamError } });
    const response = await postEdit(server.baseUrl, key, [
      { name: 'model', value: 'gpt-image-1' },
      { name: 'prompt', value: 'p' },
      { name: 'image', filename: 'a.png', data: await opaquePng(16, 16), contentType: 'image/png' },
    ]);
    assert.equal(response.status, 400);
    assert.deepEqual(response.json, { error: upstreamError });
  });

  it('stream=true: the upstream events reach the client unchanged', async () => {
    const streamed = await postEditStream([
      { name: 'model', value: 'gpt-image-1' },
      { name: 'prompt', value: 'p' },
      { name: 'stream', value: 'true' },
      { name: 'partial_images', value: '2' },
      { name: 'image', filename: 'a.png', data: await opaquePng(16, 16), contentType: 'image/png' },
    ]);
    assert.equal(streamed.contentType, 'text/event-stream; charset=utf-8');
    const upstreamText = await replayUpstreamStream();
    assert.equal(streamed.text, upstreamText);
  });
});

async function postEditStream(parts: TestPart[]): Promise<{ contentType: string; text: string }> {
  const { body, contentType } = buildMultipart(parts);
  const response = await fetch(`${server.baseUrl}/v1/images/edits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
    body: new Uint8Array(body),
  });
  return { contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}

/** What the upstream sent for the last streamed request, fetched again straight from it. */
async function replayUpstreamStream(): Promise<string> {
  const last = lastRequest();
  const response = await fetch(`${upstream.baseUrl}/images/edits`, {
    method: 'POST',
    headers: { 'content-type': String(last.headers['content-type']) },
    body: new Uint8Array(last.body),
  });
  return response.text();
}

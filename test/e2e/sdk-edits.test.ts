/**
 * The official `openai` SDK against the real server: dall-e-2 as the seed documents it
 * (url results that download as PNGs of the requested size), the built-in model with
 * b64_json, n images, streaming with a GPT image model, and the response headers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import sharp from 'sharp';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';
import { halfTransparentMask, pngWithTransparentHole } from '../support/images.ts';

let server: RunningServer;
let client: OpenAI;
let holed: Buffer;

before(async () => {
  server = await startServer({
    config: {
      models: {
        served: [
          { id: 'dall-e-2', rules: 'dall-e-2', engine: 'local' },
          { id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'local' },
          { id: 'gpt-image-1', rules: 'gpt-image-1', engine: 'stand-in' },
        ],
      },
    },
  });
  const { key } = await createKey(server, 'sdk');
  client = new OpenAI({ apiKey: key, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 });
  holed = await pngWithTransparentHole(96);
});
after(async () => server?.stop());

async function raw(bytes: Buffer) {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('dall-e-2 through the SDK', () => {
  it('returns a signed url that downloads as a PNG of the requested size', async () => {
    const { data: response, response: httpResponse } = await client.images
      .edit({ model: 'dall-e-2', image: await toFile(holed, 'otter.png', { type: 'image/png' }), prompt: 'A cute baby sea otter wearing a beret.', size: '256x256' })
      .withResponse();
    assert.match(httpResponse.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
    assert.equal(httpResponse.headers.get('openai-version'), '2020-10-01');
    assert.deepEqual(Object.keys(response).sort(), ['created', 'data']);
    assert.equal(response.data!.length, 1);
    const url = response.data![0].url!;
    assert.ok(url.startsWith(`${server.baseUrl}/v1/results/`), url);
    const download = await fetch(url);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'image/png');
    const metadata = await sharp(Buffer.from(await download.arrayBuffer())).metadata();
    assert.equal(metadata.format, 'png');
    assert.equal(metadata.width, 256);
    assert.equal(metadata.height, 256);
    const tampered = url.replace(/signature=[^&]+/, 'signature=AAAA');
    assert.equal((await fetch(tampered)).status, 404);
  });

  it('fills the transparent hole and keeps the rest at b64_json', async () => {
    const response = await client.images.edit({
      model: 'dall-e-2',
      image: await toFile(holed, 'a.png', { type: 'image/png' }),
      prompt: 'fill it',
      response_format: 'b64_json',
      size: '256x256',
      n: 2,
    });
    assert.equal(response.data!.length, 2);
    const images = await Promise.all(response.data!.map((datum) => raw(Buffer.from(datum.b64_json!, 'base64'))));
    for (const image of images) {
      assert.equal(image.width, 256);
      let opaque = true;
      for (let index = 3; index < image.data.length; index += 4) if (image.data[index] !== 255) opaque = false;
      assert.ok(opaque, 'the hole is filled with opaque pixels');
    }
    assert.notDeepEqual(images[0].data, images[1].data, 'n images are different fills');
  });

  it('serves the seed path with a trailing slash', async () => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(holed)], { type: 'image/png' }), 'a.png');
    form.append('prompt', 'x');
    form.append('size', '256x256');
    form.append('response_format', 'b64_json');
    const response = await fetch(`${server.baseUrl}/v1/images/edits/`, { method: 'POST', headers: { authorization: `Bearer ${client.apiKey}` }, body: form });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { data: unknown[] }).data.length, 1);
  });
});

describe('pixelgate-fill through the SDK', () => {
  it('answers b64_json by default at the input size, with the mask honoured', async () => {
    const image = await sharp({ create: { width: 120, height: 80, channels: 3, background: { r: 30, g: 90, b: 200 } } }).png().toBuffer();
    const response = await client.images.edit({
      model: 'pixelgate-fill' as 'dall-e-2',
      image: await toFile(image, 'wide.png', { type: 'image/png' }),
      mask: await toFile(await halfTransparentMask(120, 80), 'mask.png', { type: 'image/png' }),
      prompt: 'remove',
    });
    assert.equal(response.output_format, 'png');
    assert.equal(response.size, '120x80');
    const output = await raw(Buffer.from(response.data![0].b64_json!, 'base64'));
    assert.equal(output.width, 120);
    assert.equal(output.height, 80);
    const original = await raw(image);
    for (let y = 0; y < 80; y++) {
      for (let x = 60; x < 120; x++) {
        const offset = (y * 120 + x) * 4;
        assert.deepEqual([...output.data.subarray(offset, offset + 4)], [...original.data.subarray(offset, offset + 4)]);
      }
    }
  });

  it('streams the coarse levels as partial images, then the completed image', async () => {
    const stream = await client.images.edit({
      model: 'pixelgate-fill' as 'gpt-image-1',
      image: await toFile(await pngWithTransparentHole(256), 'hole.png', { type: 'image/png' }),
      prompt: 'fill',
      stream: true,
      partial_images: 2,
    });
    const events: Array<{ type: string; b64_json: string; partial_image_index?: number; usage?: unknown }> = [];
    for await (const event of stream) events.push(event as (typeof events)[number]);
    const partials = events.filter((event) => event.type === 'image_edit.partial_image');
    assert.ok(partials.length >= 1 && partials.length <= 2, `partials ${partials.length}`);
    assert.deepEqual(partials.map((event) => event.partial_image_index), partials.map((_, index) => index));
    assert.equal(events.at(-1)!.type, 'image_edit.completed');
    assert.equal(events.filter((event) => event.type === 'image_edit.completed').length, 1);
    const final = await raw(Buffer.from(events.at(-1)!.b64_json, 'base64'));
    assert.deepEqual([final.width, final.height], [256, 256]);
    // Required by the newest SDK types: zeros where the built-in engine meters nothing.
    assert.deepEqual(events.at(-1)!.usage, { total_tokens: 0, input_tokens: 0, output_tokens: 0, input_tokens_details: { text_tokens: 0, image_tokens: 0 } });
  });

  it('lists the served models', async () => {
    const models = await client.models.list();
    assert.deepEqual(models.data.map((model) => model.id), ['dall-e-2', 'pixelgate-fill', 'gpt-image-1']);
  });
});

describe('GPT image rules (stand-in engine)', () => {
  it('answers with the resolved options and usage', async () => {
    const response = await client.images.edit({ model: 'gpt-image-1', image: [await toFile(holed, 'a.png', { type: 'image/png' })], prompt: 'x', quality: 'low' });
    assert.deepEqual(Object.keys(response), ['created', 'background', 'data', 'output_format', 'quality', 'size', 'usage']);
    assert.equal(response.quality, 'low');
    assert.equal(response.background, 'opaque');
    assert.ok(response.usage!.total_tokens > 0);
  });

  it('streams partial images then one completed event', async () => {
    const stream = await client.images.edit({
      model: 'gpt-image-1',
      image: await toFile(holed, 'a.png', { type: 'image/png' }),
      prompt: 'x',
      stream: true,
      partial_images: 2,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    assert.deepEqual(types, ['image_edit.partial_image', 'image_edit.partial_image', 'image_edit.completed']);
  });
});

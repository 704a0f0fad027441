/**
 * The newest model families end to end: the real server relaying to an OpenAI-like upstream on
 * loopback. Each new rule's violation gets its exact 400 without any upstream call; markup and
 * the new fields reach the upstream byte for byte; `usage` (with `output_tokens_details`) and
 * `svg_usage` come back exactly as the upstream sent them; pass-through forwards as sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { halfTransparentMask, opaquePng } from '../support/images.ts';
import { postEdit, type TestPart } from '../support/multipart.ts';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';

let upstream: FakeUpstream;
let server: RunningServer;
let key: string;
let image: Buffer;
let markup: Buffer;

const relayed = ['gpt-image-2', 'gpt-image-2.5-flare', 'gpt-image-2.5-sunburst-2026-09-08', 'gpt-image-2.6-sunburst', 'chatgpt-image-latest', 'future-model'];

before(async () => {
  image = await opaquePng(32, 32);
  markup = await halfTransparentMask(32, 32);
  upstream = await startFakeUpstream();
  server = await startServer({
    config: {
      models: {
        defaultModel: 'gpt-image-2',
        defaultGptImageModel: 'gpt-image-2',
        served: [
          { id: 'gpt-image-2', rules: 'gpt-image-2' },
          { id: 'gpt-image-2.5-flare', rules: 'gpt-image-2.5' },
          { id: 'gpt-image-2.5-sunburst-2026-09-08', rules: 'gpt-image-2.5' },
          { id: 'gpt-image-2.6-sunburst', rules: 'gpt-image-2.6' },
          { id: 'chatgpt-image-latest', rules: 'chatgpt-image-latest' },
          { id: 'future-model', rules: 'pass-through' },
          { id: 'built-in-2.5', rules: 'gpt-image-2.5', engine: 'stand-in' },
        ],
      },
      channels: [{ name: 'upstream', type: 'openai-compatible', baseUrl: upstream.baseUrl, apiKey: 'sk-upstream', models: relayed.map((id) => ({ id })) }],
      billing: { prices: relayed.map((model) => ({ model, free: true })) },
    },
  });
  key = (await createKey(server, 'newest')).key;
});
after(async () => {
  await server?.stop();
  await upstream?.close();
});

const text = (name: string, value: string): TestPart => ({ name, value });
const file = (name: string, data: Buffer): TestPart => ({ name, filename: `${name}.png`, data, contentType: 'image/png' });
const edit = (model: string, ...more: TestPart[]) => [text('model', model), text('prompt', 'p'), file('image', image), ...more];
const lastRequest = () => upstream.requests[upstream.requests.length - 1];
const invalid = (param: string, code: string, message: string) => ({ error: { message, type: 'invalid_request_error', param, code } });

async function expectRefusal(parts: TestPart[], expected: unknown): Promise<void> {
  const before = upstream.requests.length;
  const response = await postEdit(server.baseUrl, key, parts);
  assert.equal(response.status, 400, JSON.stringify(response.json));
  assert.deepEqual(response.json, expected);
  assert.equal(upstream.requests.length, before, 'refused before any upstream call');
}

describe('newest families: each rule refused with its exact error', () => {
  it('quality xhigh/max only on gpt-image-2.5', async () => {
    await expectRefusal(edit('gpt-image-2', text('quality', 'xhigh')), invalid('quality', 'invalid_value', "Invalid value: 'xhigh'. Supported values are: 'low', 'medium', 'high', and 'auto'."));
    await expectRefusal(edit('gpt-image-2.6-sunburst', text('quality', 'max')), invalid('quality', 'invalid_value', "Invalid value: 'max'. Supported values are: 'low', 'medium', 'high', and 'auto'."));
  });

  it('complexity only on gpt-image-2.6', async () => {
    await expectRefusal(edit('gpt-image-2.5-flare', text('complexity', 'high')), invalid('complexity', 'unknown_parameter', "Unknown parameter: 'complexity'."));
    await expectRefusal(edit('gpt-image-2.6-sunburst', text('complexity', 'huge')), invalid('complexity', 'invalid_value', "Invalid value: 'huge'. Supported values are: 'low', 'medium', and 'high'."));
  });

  it('gif and svg exclusions, frame fields without gif', async () => {
    const gif = (...more: TestPart[]) => edit('gpt-image-2.6-sunburst', text('output_format', 'gif'), ...more);
    await expectRefusal(gif(text('stream', 'true')), invalid('stream', 'invalid_value', "Streaming is not supported for output_format 'gif'."));
    await expectRefusal(gif(text('partial_images', '1')), invalid('partial_images', 'invalid_value', "Partial images are not supported for output_format 'gif'."));
    await expectRefusal(gif(text('output_compression', '50')), invalid('output_compression', 'invalid_value', "output_compression is not supported for output_format 'gif'."));
    await expectRefusal(gif(file('mask', markup)), invalid('mask', 'invalid_value', "A mask is not supported for output_format 'gif'."));
    await expectRefusal(gif(text('frame_count', '20')), invalid('frame_count', 'integer_above_max_value', "Invalid 'frame_count': integer above maximum value. Expected a value <= 16, but got 20 instead."));
    await expectRefusal(gif(text('frame_duration_ms', '5')), invalid('frame_duration_ms', 'integer_below_min_value', "Invalid 'frame_duration_ms': integer below minimum value. Expected a value >= 20, but got 5 instead."));
    await expectRefusal(edit('gpt-image-2.6-sunburst', text('frame_count', '3')), invalid('frame_count', 'invalid_value', "'frame_count' is only supported with output_format 'gif'."));
    await expectRefusal(edit('gpt-image-2.6-sunburst', text('output_format', 'svg'), text('n', '2')), invalid('n', 'invalid_value', "output_format 'svg' requires n=1."));
    // The 2.5 family makes no svg (nor gif).
    await expectRefusal(edit('gpt-image-2.5-flare', text('output_format', 'svg')), invalid('output_format', 'invalid_value', "Invalid value: 'svg'. Supported values are: 'png', 'jpeg', and 'webp'."));
  });

  it('markup: gpt-image-2.5 only, never with a mask, the first image\'s size, with transparency, on an engine that honours it', async () => {
    await expectRefusal(edit('gpt-image-2.6-sunburst', file('markup', markup)), invalid('markup', 'unknown_parameter', "Unknown parameter: 'markup'."));
    await expectRefusal(edit('gpt-image-2.5-flare', file('markup', markup), file('mask', markup)), invalid('markup', 'invalid_value', "'markup' cannot be combined with 'mask': send one or the other."));
    await expectRefusal(edit('gpt-image-2.5-flare', file('markup', await halfTransparentMask(16, 32))), invalid('markup', 'invalid_image_format', 'Invalid markup image format - markup size does not match image size'));
    await expectRefusal(edit('gpt-image-2.5-flare', file('markup', await opaquePng(32, 32))), invalid('markup', 'invalid_image_format', 'Invalid markup image format - markup image must be a PNG with transparent pixels'));
    await expectRefusal(edit('built-in-2.5', file('markup', markup)), invalid('markup', 'invalid_value', "Markup is not supported for the model 'built-in-2.5' on this server."));
  });

  it('moderation low/auto', async () => {
    await expectRefusal(edit('chatgpt-image-latest', text('moderation', 'strict')), invalid('moderation', 'invalid_value', "Invalid value: 'strict'. Supported values are: 'low' and 'auto'."));
  });
});

describe('newest families: what reaches the upstream', () => {
  it('gif and svg answers pass through as the upstream made them (b64_json, checked to be a GIF or an SVG)', async () => {
    const gif = await postEdit(server.baseUrl, key, edit('gpt-image-2.6-sunburst', text('output_format', 'gif'), text('frame_count', '4'), text('frame_duration_ms', '120')));
    assert.equal(gif.status, 200, JSON.stringify(gif.json));
    assert.deepEqual(lastRequest().parts.filter((part) => part.filename === null).map((part) => part.name), ['model', 'prompt', 'output_format', 'frame_count', 'frame_duration_ms']);
    const gifBytes = Buffer.from(gif.json.data[0].b64_json, 'base64');
    assert.equal(gifBytes.subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.equal(gif.json.output_format, 'gif');
    const svg = await postEdit(server.baseUrl, key, edit('gpt-image-2.6-sunburst', text('output_format', 'svg'), text('size', '1024x1024')));
    assert.equal(svg.status, 200, JSON.stringify(svg.json));
    const svgText = Buffer.from(svg.json.data[0].b64_json, 'base64').toString('utf8');
    assert.match(svgText, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.deepEqual([svg.json.output_format, svg.json.size], ['svg', '1024x1024']);
  });

  it('markup goes upstream byte for byte after the image, with every new field in wire order', async () => {
    const response = await postEdit(server.baseUrl, key, [
      text('prompt', 'circle the cat'),
      file('markup', markup),
      text('model', 'gpt-image-2.5-sunburst-2026-09-08'),
      file('image', image),
      text('quality', 'xhigh'),
      text('moderation', 'low'),
      text('safety_identifier', 'user-hash-9'),
      text('size', '2048x1152'),
    ]);
    assert.equal(response.status, 200, JSON.stringify(response.json));
    const sent = lastRequest();
    assert.deepEqual(
      sent.parts.filter((part) => part.filename === null).map((part) => [part.name, part.data.toString()]),
      [['prompt', 'circle the cat'], ['model', 'gpt-image-2.5-sunburst-2026-09-08'], ['quality', 'xhigh'], ['moderation', 'low'], ['safety_identifier', 'user-hash-9'], ['size', '2048x1152']],
    );
    const files = sent.parts.filter((part) => part.filename !== null);
    assert.deepEqual(files.map((part) => [part.name, part.filename, part.contentType]), [['image', 'image.png', 'image/png'], ['markup', 'markup.png', 'image/png']]);
    assert.ok(files[0].data.equals(image));
    assert.ok(files[1].data.equals(markup), 'markup bytes unchanged');
    assert.equal(sent.headers['content-length'], String(sent.body.length));
  });

  it('complexity and gif-free 2.6 fields are forwarded as sent', async () => {
    const response = await postEdit(server.baseUrl, key, edit('gpt-image-2.6-sunburst', text('complexity', 'low'), text('quality', 'high')));
    assert.equal(response.status, 200, JSON.stringify(response.json));
    assert.deepEqual(
      lastRequest().parts.filter((part) => part.filename === null).map((part) => [part.name, part.data.toString()]),
      [['model', 'gpt-image-2.6-sunburst'], ['prompt', 'p'], ['complexity', 'low'], ['quality', 'high']],
    );
  });

  it('usage comes back whole: output_tokens_details kept, svg_usage beside it', async () => {
    const usage = {
      total_tokens: 2400,
      input_tokens: 400,
      output_tokens: 2000,
      input_tokens_details: { text_tokens: 150, image_tokens: 250 },
      output_tokens_details: { text_tokens: 30, image_tokens: 1970 },
    };
    const svgUsage = { input_tokens: 900, model: 'svg-author-1', output_tokens: 1200, reasoning_tokens: 800, total_tokens: 2100 };
    const answer = await opaquePng(32, 32);
    upstream.cue({ kind: 'status', status: 200, body: { created: 1764086400, data: [{ b64_json: answer.toString('base64') }], usage, svg_usage: svgUsage } });
    const response = await postEdit(server.baseUrl, key, edit('gpt-image-2.5-flare'));
    assert.equal(response.status, 200, JSON.stringify(response.json));
    assert.deepEqual(response.json.usage, usage);
    assert.deepEqual(response.json.svg_usage, svgUsage);
    assert.deepEqual(Object.keys(response.json), ['created', 'background', 'data', 'output_format', 'quality', 'size', 'usage', 'svg_usage']);
    assert.equal(response.json.data[0].b64_json, answer.toString('base64'));
  });
});

describe('pass-through', () => {
  it('forwards every field as sent, unvalidated and without a prompt; files still sniffed', async () => {
    const response = await postEdit(server.baseUrl, key, [
      text('model', 'future-model'),
      { name: 'image', filename: 'in.bin', data: image, contentType: 'application/octet-stream' },
      text('quality', 'ultra'),
      text('style_strength', '0.7'),
      text('n', '2'),
    ]);
    assert.equal(response.status, 200, JSON.stringify(response.json));
    assert.equal(response.json.data.length, 2);
    const sent = lastRequest();
    assert.deepEqual(
      sent.parts.filter((part) => part.filename === null).map((part) => [part.name, part.data.toString()]),
      [['model', 'future-model'], ['quality', 'ultra'], ['style_strength', '0.7'], ['n', '2']],
    );
    assert.deepEqual(sent.parts.filter((part) => part.filename !== null).map((part) => part.contentType), ['image/png']);
    await expectRefusal([text('model', 'future-model'), { name: 'image', filename: 'x.png', data: Buffer.from('not an image at all'), contentType: 'image/png' }], {
      error: { message: 'Invalid image file or mode for image 1, please check your image file.', type: 'image_generation_user_error', param: null, code: 'invalid_image_file' },
    });
  });
});

/**
 * Every error of the spec's table, sent as raw multipart to the real server: exact status,
 * headers and JSON body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';
import { decompressionBombHeader, halfTransparentMask, jpeg, opaquePng, pngWithTransparentHole } from '../support/images.ts';
import { buildMultipart, png, postEdit, type TestPart } from '../support/multipart.ts';

let server: RunningServer;
let key: string;
let squareRgba: Buffer;

const testConfig = {
  server: { maxRequestBytes: 60 * 1024 * 1024 },
  models: {
    served: [
      { id: 'dall-e-2', rules: 'dall-e-2', engine: 'local' },
      { id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'local' },
      { id: 'gpt-image-1', rules: 'gpt-image-1', engine: 'stand-in' },
    ],
  },
};

function error(message: string, type: string, param: string | null, code: string | null) {
  return { error: { message, type, param, code } };
}

async function expectError(parts: TestPart[], status: number, body: unknown, authorization: string | null = key) {
  const response = await postEdit(server.baseUrl, authorization, parts);
  assert.deepEqual(response.json, body);
  assert.equal(response.status, status);
  assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
  assert.match(response.headers.get('openai-processing-ms') ?? '', /^\d+$/);
  assert.equal(response.headers.get('openai-version'), '2020-10-01');
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  return response;
}

const prompt: TestPart = { name: 'prompt', value: 'a red fox' };
const gpt: TestPart = { name: 'model', value: 'gpt-image-1' };

before(async () => {
  server = await startServer({ config: testConfig });
  key = (await createKey(server)).key;
  squareRgba = await pngWithTransparentHole(64);
});
after(async () => server?.stop());

describe('authentication errors', () => {
  it('answers a request without a key with 401 and no code', async () => {
    await expectError([png('image', squareRgba), prompt], 401, error(
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      'invalid_request_error', null, null), null);
  });
  it('masks an unknown key in the 401 message', async () => {
    await expectError([png('image', squareRgba), prompt], 401, error(
      `Incorrect API key provided: sk-pg${'*'.repeat(29)}wxyz.`, 'invalid_request_error', null, 'invalid_api_key'),
      'sk-pg-0000000000000000000000000000wxyz');
  });
});

describe('file part errors', () => {
  it('refuses application/octet-stream for GPT image models', async () => {
    await expectError([gpt, png('image', squareRgba, 'application/octet-stream'), prompt], 400, error(
      "Invalid file 'image': unsupported mimetype ('application/octet-stream'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.",
      'invalid_request_error', 'image', 'unsupported_file_mimetype'));
  });
  it('refuses application/octet-stream for dall-e-2 too, image and mask (OpenAI does)', async () => {
    await expectError([png('image', squareRgba, 'application/octet-stream'), prompt], 400, error(
      "Invalid file 'image': unsupported mimetype ('application/octet-stream'). Supported file formats are 'image/png'.",
      'invalid_request_error', 'image', 'unsupported_file_mimetype'));
    await expectError([png('image', squareRgba), png('mask', squareRgba, 'application/octet-stream'), prompt], 400, error(
      "Invalid file 'mask': unsupported mimetype ('application/octet-stream'). Supported file formats are 'image/png'.",
      'invalid_request_error', 'mask', 'unsupported_file_mimetype'));
  });
  it('refuses image/jpeg for dall-e-2', async () => {
    await expectError([{ name: 'image', filename: 'a.jpg', data: await jpeg(64, 64), contentType: 'image/jpeg' }, prompt], 400, error(
      "Invalid file 'image': unsupported mimetype ('image/jpeg'). Supported file formats are 'image/png'.",
      'invalid_request_error', 'image', 'unsupported_file_mimetype'));
  });
  it('refuses a file part without a content type', async () => {
    await expectError([png('image', squareRgba, null), prompt], 400, error(
      "Invalid file 'image': failed to determine mimetype. Ensure you are providing the file's mimetype as part of the 'Content-Type' header.",
      'invalid_request_error', 'image', 'missing_file_mimetype'));
  });
  it('refuses bytes that are not an image', async () => {
    await expectError([png('image', Buffer.from('definitely not a png, just text pretending to be one')), prompt], 400, error(
      'Invalid image file or mode for image 1, please check your image file.', 'image_generation_user_error', null, 'invalid_image_file'));
  });
  it('refuses a truncated PNG whose header is valid (found while decoding)', async () => {
    const whole = await pngWithTransparentHole(64);
    await expectError([png('image', whole.subarray(0, Math.floor(whole.length / 2))), prompt], 400, error(
      'Invalid image file or mode for image 1, please check your image file.', 'image_generation_user_error', null, 'invalid_image_file'));
  });
  it('refuses a dall-e-2 image without alpha when no mask is sent', async () => {
    await expectError([png('image', await opaquePng(64, 64)), prompt], 400, error(
      "Invalid input image - format must be in ['RGBA', 'LA', 'L'], got RGB.", 'invalid_request_error', 'image', 'invalid_image_format'));
  });
  it('refuses JPEG bytes labelled image/png for dall-e-2', async () => {
    await expectError([png('image', await jpeg(64, 64)), prompt], 400, error(
      'Uploaded image must be a PNG and less than 4 MB.', 'invalid_request_error', 'image', 'invalid_image_format'));
  });
  it('refuses a dall-e-2 image of 4 MB or more with the same message', async () => {
    const noise = Buffer.alloc(1100 * 1100 * 4);
    for (let index = 0; index < noise.length; index++) noise[index] = (index * 2654435761) >>> 24;
    const big = await sharp(noise, { raw: { width: 1100, height: 1100, channels: 4 } }).png({ compressionLevel: 0 }).toBuffer();
    assert.ok(big.length >= 4 * 1024 * 1024);
    await expectError([{ name: 'model', value: 'dall-e-2' }, png('image', big), prompt], 400, error(
      'Uploaded image must be a PNG and less than 4 MB.', 'invalid_request_error', 'image', 'invalid_image_format'));
  });
  it('refuses a non-square dall-e-2 image', async () => {
    await expectError([png('image', await opaquePng(64, 32, 4)), prompt], 400, error(
      'Uploaded image must be square.', 'invalid_request_error', 'image', 'invalid_image_format'));
  });
  it('refuses several images for dall-e-2', async () => {
    await expectError([png('image[]', squareRgba), png('image[]', squareRgba), prompt], 400, error(
      "Invalid type for 'image': expected a file, but got an array instead.", 'invalid_request_error', 'image', 'invalid_type'));
  });
  it('refuses an image sent as a text field', async () => {
    await expectError([{ name: 'image', value: 'https://example.com/cat.png' }, prompt], 400, error(
      "Invalid type for 'image': expected one of an array of files or file, but got a string instead.", 'invalid_request_error', 'image', 'invalid_type'));
  });
  it('refuses a mask of another size', async () => {
    await expectError([png('image', squareRgba), png('mask', await halfTransparentMask(32, 32)), prompt], 400, error(
      'Invalid mask image format - mask size does not match image size', 'invalid_request_error', 'mask', 'invalid_image_format'));
  });
  it('refuses a mask without alpha', async () => {
    await expectError([png('image', squareRgba), png('mask', await opaquePng(64, 64)), prompt], 400, error(
      'Invalid mask image format - mask image missing alpha channel', 'invalid_request_error', 'mask', 'invalid_image_format'));
  });
  it('refuses a dall-e-2 mask that is not a PNG', async () => {
    await expectError([png('image', squareRgba), png('mask', await jpeg(64, 64)), prompt], 400, error(
      'Uploaded mask must be a PNG and less than 4 MB.', 'invalid_request_error', 'mask', 'invalid_image_format'));
  });
  it('refuses more than 16 images for GPT image models', async () => {
    const parts: TestPart[] = [gpt, prompt];
    for (let index = 0; index < 17; index++) parts.push(png('image[]', squareRgba));
    await expectError(parts, 400, error(
      "Invalid 'image': array too long. Expected an array with maximum length 16, but got an array with length 17 instead.",
      'invalid_request_error', 'image', 'array_above_max_length'));
  });
  it('refuses a GPT image file of 50 MB or more', async () => {
    await expectError([gpt, prompt, png('image', Buffer.alloc(50 * 1024 * 1024))], 400, error(
      "Invalid file 'image': the file is larger than the limit of 50 MB.", 'invalid_request_error', 'image', 'file_too_large'));
  });
  it('refuses a decompression bomb from its header without decoding it', async () => {
    const started = performance.now();
    await expectError([{ name: 'model', value: 'pixelgate-fill' }, png('image', decompressionBombHeader(100_000, 100_000)), prompt], 400, error(
      "Invalid file 'image': the image has 10000000000 pixels, more than the limit of 50000000.", 'invalid_request_error', 'image', 'image_too_large'));
    assert.ok(performance.now() - started < 2000);
  });
});

describe('field errors', () => {
  it('requires a prompt', async () => {
    await expectError([png('image', squareRgba)], 400, error("Missing required parameter: 'prompt'.", 'invalid_request_error', 'prompt', 'missing_required_parameter'));
  });
  it('requires an image', async () => {
    await expectError([prompt], 400, error("Missing required parameter: 'image'.", 'invalid_request_error', 'image', 'missing_required_parameter'));
  });
  it('refuses a dall-e-2 prompt over 1000 characters', async () => {
    await expectError([png('image', squareRgba), { name: 'prompt', value: 'x'.repeat(1001) }], 400, error(
      "Invalid 'prompt': string too long. Expected a string with maximum length 1000, but got a string with length 1001 instead.",
      'invalid_request_error', 'prompt', 'string_above_max_length'));
  });
  it('refuses n above 10, below 1 and not an integer', async () => {
    await expectError([png('image', squareRgba), prompt, { name: 'n', value: '11' }], 400, error(
      "Invalid 'n': integer above maximum value. Expected a value <= 10, but got 11 instead.", 'invalid_request_error', 'n', 'integer_above_max_value'));
    await expectError([png('image', squareRgba), prompt, { name: 'n', value: '0' }], 400, error(
      "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.", 'invalid_request_error', 'n', 'integer_below_min_value'));
    await expectError([png('image', squareRgba), prompt, { name: 'n', value: 'two' }], 400, error(
      "Invalid type for 'n': expected an integer, but got a string instead.", 'invalid_request_error', 'n', 'invalid_type'));
  });
  it('refuses a size the model does not offer', async () => {
    await expectError([png('image', squareRgba), prompt, { name: 'size', value: '1536x1024' }], 400, error(
      "Invalid value: '1536x1024'. Supported values are: '256x256', '512x512', and '1024x1024'.", 'invalid_request_error', 'size', 'invalid_value'));
  });
  it('refuses an unknown response_format', async () => {
    await expectError([png('image', squareRgba), prompt, { name: 'response_format', value: 'png' }], 400, error(
      "Invalid value: 'png'. Supported values are: 'url' and 'b64_json'.", 'invalid_request_error', 'response_format', 'invalid_value'));
  });
  it('refuses response_format for GPT image models', async () => {
    await expectError([gpt, png('image', squareRgba), prompt, { name: 'response_format', value: 'url' }], 400, error(
      "Unknown parameter: 'response_format'.", 'invalid_request_error', 'response_format', 'unknown_parameter'));
  });
  it('answers 404 for an unknown model', async () => {
    await expectError([{ name: 'model', value: 'xyz' }, png('image', squareRgba), prompt], 404, error(
      'The model `xyz` does not exist or you do not have access to it.', 'invalid_request_error', 'model', 'model_not_found'));
  });
});

describe('request-level errors', () => {
  it('refuses a body that is neither multipart nor JSON', async () => {
    const response = await fetch(`${server.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' },
      body: 'prompt=x',
    });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), error(
      'Invalid Content-Type header (text/plain): this endpoint expects multipart/form-data or application/json.', 'invalid_request_error', null, 'invalid_content_type'));
  });
  it('refuses a multipart body that ends before its closing boundary', async () => {
    const { body, contentType } = buildMultipart([prompt, png('image', squareRgba)]);
    const response = await fetch(`${server.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
      body: new Uint8Array(body.subarray(0, body.length - 200)),
    });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), error(
      'The multipart/form-data body could not be parsed: it is malformed or ended early.', 'invalid_request_error', null, 'invalid_multipart'));
  });
  it('refuses a form part without a name as malformed multipart (issue 9), not as parameter "undefined"', async () => {
    const boundary = 'pixelgate-nameless';
    const body = `--${boundary}\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--${boundary}--\r\n`;
    const response = await fetch(`${server.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), error(
      'The multipart/form-data body could not be parsed: it is malformed or ended early.', 'invalid_request_error', null, 'invalid_multipart'));
  });
  it('answers an unknown path in the OpenAI envelope', async () => {
    const response = await fetch(`${server.baseUrl}/v1/nothing-here`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), error('Invalid URL (GET /v1/nothing-here)', 'invalid_request_error', null, null));
    assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
  });
});

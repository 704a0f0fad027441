import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineCapabilities } from '../engines/engine.ts';
import { ApiError } from './error-catalogue.ts';
import type { FormPart } from './form-parts.ts';
import { modelRulesByFamily } from './model-rules.ts';
import { parseEditRequest, type ModelDirectory, type ServedModel } from './parse-edit-request.ts';

const capabilities: EngineCapabilities = {
  inputFormats: ['png', 'jpeg', 'webp'],
  outputFormats: ['png', 'jpeg', 'webp'],
  maxInputImages: 16,
  maxOutputImagesPerCall: 10,
  mask: true,
  streaming: false,
  resize: true,
};

function served(id: string, family: string): ServedModel {
  return { id, rules: modelRulesByFamily[family], engineId: 'test', engineModel: id, capabilities };
}

const models = new Map([
  ['dall-e-2', served('dall-e-2', 'dall-e-2')],
  ['gpt-image-1', served('gpt-image-1', 'gpt-image-1')],
  ['gpt-image-2', served('gpt-image-2', 'gpt-image-2')],
  ['pixelgate-fill', served('pixelgate-fill', 'pixelgate-fill')],
]);
const directory: ModelDirectory = { find: (id) => models.get(id) ?? null, defaultModel: 'dall-e-2', defaultGptImageModel: 'gpt-image-1' };

/** A PNG header (signature + IHDR) declaring the size and colour type; enough for sniffing. */
function pngHeader(width: number, height: number, colorType = 6): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'latin1');
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  header[24] = 8;
  header[25] = colorType;
  return header;
}

function file(fieldName: string, header = pngHeader(64, 64)): FormPart {
  return { kind: 'file', fieldName, filename: 'a.png', contentType: 'image/png', path: '/nonexistent', byteLength: 1000, header };
}
const field = (fieldName: string, value: string): FormPart => ({ kind: 'field', fieldName, value });

function errorOf(parts: FormPart[]): ApiError['body']['error'] {
  try {
    parseEditRequest(parts, directory, 50_000_000);
  } catch (error) {
    assert.ok(error instanceof ApiError);
    return error.body.error;
  }
  assert.fail('expected an error');
}

describe('parseEditRequest', () => {
  it('applies dall-e-2 defaults in any part order', () => {
    const request = parseEditRequest([field('prompt', 'p'), file('image')], directory, 50_000_000);
    assert.equal(request.model.id, 'dall-e-2');
    assert.equal(request.n, 1);
    assert.deepEqual(request.size, { width: 1024, height: 1024 });
    assert.equal(request.responseFormat, 'url');
  });

  it('picks the GPT image default when a GPT-only field is present without a model', () => {
    const request = parseEditRequest([file('image'), field('quality', 'high'), field('prompt', 'p')], directory, 50_000_000);
    assert.equal(request.model.id, 'gpt-image-1');
    assert.equal(request.responseFormat, 'b64_json');
    assert.equal(request.size, null);
  });

  it('keeps image[] wire order and names array params by index', () => {
    const parts = [field('model', 'gpt-image-1'), field('prompt', 'p'), file('image[]', pngHeader(10, 10)), file('image[]', pngHeader(20, 10))];
    const request = parseEditRequest(parts, directory, 50_000_000);
    assert.deepEqual(request.images.map((image) => image.facts.width), [10, 20]);
    const bad = [...parts, { ...file('image[]'), contentType: 'application/octet-stream' } as FormPart];
    assert.equal(errorOf(bad).param, 'image[2]');
  });

  it('checks gpt-image-2 custom sizes', () => {
    const base = [field('model', 'gpt-image-2'), field('prompt', 'p'), file('image')];
    assert.deepEqual(parseEditRequest([...base, field('size', '2048x1152')], directory, 5e7).size, { width: 2048, height: 1152 });
    assert.match(errorOf([...base, field('size', '1000x1000')]).message, /multiples of 16/);
    assert.match(errorOf([...base, field('size', '3840x960')]).message, /aspect ratio/);
  });

  it('refuses transparent jpeg and png compression', () => {
    const base = [field('model', 'gpt-image-1'), field('prompt', 'p'), file('image')];
    assert.equal(errorOf([...base, field('background', 'transparent'), field('output_format', 'jpeg')]).param, 'background');
    assert.equal(errorOf([...base, field('output_compression', '50')]).message, 'Compression less than 100 is not supported for PNG output format.');
  });

  it('refuses streaming where the engine cannot stream, never dropping it', () => {
    const error = errorOf([field('model', 'gpt-image-1'), field('prompt', 'p'), file('image'), field('stream', 'true')]);
    assert.equal(error.param, 'stream');
  });

  it('refuses duplicate scalar fields and unknown parameters', () => {
    assert.equal(errorOf([file('image'), field('prompt', 'a'), field('prompt', 'b')]).code, 'duplicate_parameter');
    assert.deepEqual(errorOf([file('image'), field('prompt', 'a'), field('quality', 'high'), field('model', 'dall-e-2')]), {
      message: "Invalid value: 'high'. Supported values are: 'standard'.",
      type: 'invalid_request_error',
      param: 'quality',
      code: 'invalid_value',
    });
    assert.equal(errorOf([file('image'), field('prompt', 'a'), field('style', 'vivid')]).code, 'unknown_parameter');
  });

  it('accepts safety_identifier (the newest SDKs send it instead of user) on every model, up to 64 characters', () => {
    for (const model of ['dall-e-2', 'gpt-image-1', 'pixelgate-fill']) {
      const parsed = parseEditRequest([file('image'), field('prompt', 'a'), field('model', model), field('safety_identifier', 'user-hash-1')], directory, 50_000_000);
      assert.equal(parsed.model.id, model);
    }
    const tooLong = errorOf([file('image'), field('prompt', 'a'), field('model', 'gpt-image-1'), field('safety_identifier', 'x'.repeat(65))]);
    assert.deepEqual([tooLong.param, tooLong.type], ['safety_identifier', 'invalid_request_error']);
  });

  it('input_fidelity: taken by gpt-image-1, refused by gpt-image-2 (the SDK says to omit it there)', () => {
    const parts = (model: string) => [file('image'), field('prompt', 'a'), field('model', model), field('input_fidelity', 'high')];
    assert.equal(parseEditRequest(parts('gpt-image-1'), directory, 50_000_000).model.id, 'gpt-image-1');
    assert.deepEqual(errorOf(parts('gpt-image-2')), { message: "Unknown parameter: 'input_fidelity'.", type: 'invalid_request_error', param: 'input_fidelity', code: 'unknown_parameter' });
  });

  it('accepts a greyscale dall-e-2 image without a mask, as OpenAI does', () => {
    const request = parseEditRequest([file('image', pngHeader(64, 64, 0)), field('prompt', 'p')], directory, 5e7);
    assert.equal(request.images[0].facts.colorMode, 'L');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineCapabilities } from '../engines/engine.ts';
import { upstreamCapabilities } from '../engines/openai/openai-image-engine.ts';
import { ApiError } from './error-catalogue.ts';
import type { FormPart } from './form-parts.ts';
import { modelRulesByFamily } from './model-rules.ts';
import { parseEditRequest, type EditRequest, type ModelDirectory, type ServedModel } from './parse-edit-request.ts';

const builtIn: EngineCapabilities = { ...upstreamCapabilities, markup: undefined, forwardsFields: undefined };

function served(id: string, family: string, capabilities: EngineCapabilities = upstreamCapabilities): ServedModel {
  return { id, rules: modelRulesByFamily[family], engineId: 'relay', engineModel: id, capabilities };
}

const models = new Map(
  [
    served('gpt-image-2', 'gpt-image-2'),
    served('gpt-image-2.5-flare', 'gpt-image-2.5'),
    served('gpt-image-2.5-sunburst-2026-09-08', 'gpt-image-2.5'),
    served('gpt-image-2.6-sunburst', 'gpt-image-2.6'),
    served('chatgpt-image-latest', 'chatgpt-image-latest'),
    served('dall-e-2', 'dall-e-2', builtIn),
    served('local-2.5', 'gpt-image-2.5', builtIn),
    served('future-model', 'pass-through'),
  ].map((model) => [model.id, model]),
);
const directory: ModelDirectory = { find: (id) => models.get(id) ?? null, defaultModel: 'dall-e-2', defaultGptImageModel: 'gpt-image-2' };

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

function file(fieldName: string, header = pngHeader(64, 64), contentType = 'image/png'): FormPart {
  return { kind: 'file', fieldName, filename: `${fieldName}.png`, contentType, path: `/spool/${fieldName}`, byteLength: 1000, header };
}
const field = (fieldName: string, value: string): FormPart => ({ kind: 'field', fieldName, value });
const edit = (model: string, ...more: FormPart[]) => [field('model', model), field('prompt', 'p'), file('image'), ...more];

function parse(parts: FormPart[]): EditRequest {
  return parseEditRequest(parts, directory, 50_000_000);
}

function errorOf(parts: FormPart[]): ApiError['body']['error'] {
  try {
    parse(parts);
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.status, 400);
    return error.body.error;
  }
  assert.fail('expected an error');
}

const invalidRequest = (param: string, code: string, message: string) => ({ message, type: 'invalid_request_error', param, code });

describe('quality xhigh and max', () => {
  it('are accepted on the gpt-image-2.5 family, snapshots included', () => {
    assert.equal(parse(edit('gpt-image-2.5-flare', field('quality', 'xhigh'))).quality, 'xhigh');
    assert.equal(parse(edit('gpt-image-2.5-sunburst-2026-09-08', field('quality', 'max'))).quality, 'max');
  });

  it("are refused elsewhere with OpenAI's invalid_value, listing the model's values", () => {
    const expected = invalidRequest('quality', 'invalid_value', "Invalid value: 'xhigh'. Supported values are: 'low', 'medium', 'high', and 'auto'.");
    for (const model of ['gpt-image-2', 'gpt-image-2.6-sunburst', 'chatgpt-image-latest']) {
      assert.deepEqual(errorOf(edit(model, field('quality', 'xhigh'))), expected, model);
    }
  });
});

describe('complexity', () => {
  it('is a gpt-image-2.6 field with no default of its own', () => {
    const request = parse(edit('gpt-image-2.6-sunburst', field('complexity', 'low')));
    assert.deepEqual(request.fields.find((part) => part.name === 'complexity'), { name: 'complexity', value: 'low' });
    assert.deepEqual(
      errorOf(edit('gpt-image-2.6-sunburst', field('complexity', 'extreme'))),
      invalidRequest('complexity', 'invalid_value', "Invalid value: 'extreme'. Supported values are: 'low', 'medium', and 'high'."),
    );
  });

  it('is an unknown parameter on other families', () => {
    for (const model of ['gpt-image-2.5-flare', 'gpt-image-2', 'chatgpt-image-latest']) {
      assert.deepEqual(errorOf(edit(model, field('complexity', 'low'))), invalidRequest('complexity', 'unknown_parameter', "Unknown parameter: 'complexity'."));
    }
  });
});

describe('output_format gif and svg (gpt-image-2.6)', () => {
  const gif = (...more: FormPart[]) => edit('gpt-image-2.6-sunburst', field('output_format', 'gif'), ...more);
  const svg = (...more: FormPart[]) => edit('gpt-image-2.6-sunburst', field('output_format', 'svg'), ...more);

  it('refuses each GIF exclusion with its own error naming the param', () => {
    assert.deepEqual(errorOf(gif(field('stream', 'true'))), invalidRequest('stream', 'invalid_value', "Streaming is not supported for output_format 'gif'."));
    assert.deepEqual(errorOf(gif(field('partial_images', '2'))), invalidRequest('partial_images', 'invalid_value', "Partial images are not supported for output_format 'gif'."));
    assert.deepEqual(errorOf(gif(field('output_compression', '80'))), invalidRequest('output_compression', 'invalid_value', "output_compression is not supported for output_format 'gif'."));
    assert.deepEqual(errorOf(gif(file('mask'))), invalidRequest('mask', 'invalid_value', "A mask is not supported for output_format 'gif'."));
  });

  it('checks frame_count (2-16) and frame_duration_ms (>= 20), and refuses them without gif', () => {
    assert.deepEqual(errorOf(gif(field('frame_count', '17'))), invalidRequest('frame_count', 'integer_above_max_value', "Invalid 'frame_count': integer above maximum value. Expected a value <= 16, but got 17 instead."));
    assert.deepEqual(errorOf(gif(field('frame_count', '1'))), invalidRequest('frame_count', 'integer_below_min_value', "Invalid 'frame_count': integer below minimum value. Expected a value >= 2, but got 1 instead."));
    assert.deepEqual(errorOf(gif(field('frame_duration_ms', '10'))), invalidRequest('frame_duration_ms', 'integer_below_min_value', "Invalid 'frame_duration_ms': integer below minimum value. Expected a value >= 20, but got 10 instead."));
    assert.deepEqual(errorOf(edit('gpt-image-2.6-sunburst', field('frame_count', '4'))), invalidRequest('frame_count', 'invalid_value', "'frame_count' is only supported with output_format 'gif'."));
    assert.deepEqual(errorOf(svg(field('frame_duration_ms', '40'))), invalidRequest('frame_duration_ms', 'invalid_value', "'frame_duration_ms' is only supported with output_format 'gif'."));
    assert.deepEqual(errorOf(edit('gpt-image-2.5-flare', field('frame_count', '4'))), invalidRequest('frame_count', 'unknown_parameter', "Unknown parameter: 'frame_count'."));
  });

  it('refuses SVG with n > 1, streaming or compression, and svg[model] without svg', () => {
    assert.deepEqual(errorOf(svg(field('n', '2'))), invalidRequest('n', 'invalid_value', "output_format 'svg' requires n=1."));
    assert.deepEqual(errorOf(svg(field('stream', 'true'))), invalidRequest('stream', 'invalid_value', "Streaming is not supported for output_format 'svg'."));
    assert.deepEqual(errorOf(svg(field('output_compression', '100'))), invalidRequest('output_compression', 'invalid_value', "output_compression is not supported for output_format 'svg'."));
    assert.deepEqual(errorOf(edit('gpt-image-2.6-sunburst', field('svg[model]', 'author'))), invalidRequest('svg[model]', 'invalid_value', "'svg[model]' is only supported with output_format 'svg'."));
  });

  it('are not output formats of the other families', () => {
    assert.deepEqual(errorOf(edit('gpt-image-2.5-flare', field('output_format', 'gif'))), invalidRequest('output_format', 'invalid_value', "Invalid value: 'gif'. Supported values are: 'png', 'jpeg', and 'webp'."));
  });

  it('a valid GIF request goes to a relay (which passes GIF bytes back), and is refused by an engine that makes rasters only, never coerced to PNG', () => {
    assert.equal(parse(gif(field('frame_count', '4'))).outputFormat, 'gif');
    const rasterOnly = served('raster-2.6', 'gpt-image-2.6', { ...upstreamCapabilities, outputFormats: ['png', 'jpeg', 'webp'] });
    const parts = [field('model', 'raster-2.6'), field('prompt', 'p'), file('image'), field('output_format', 'gif')];
    const directory = { find: (id: string) => (id === 'raster-2.6' ? rasterOnly : null), defaultModel: 'raster-2.6', defaultGptImageModel: 'raster-2.6' };
    assert.throws(() => parseEditRequest(parts, directory, 50_000_000), (error: ApiError) => error.body.error.message === "Invalid value: 'gif'. Supported values are: 'png', 'jpeg', and 'webp'.");
  });
});

describe('markup (gpt-image-2.5)', () => {
  it('is carried as a file beside the images', () => {
    const request = parse(edit('gpt-image-2.5-flare', file('markup')));
    assert.equal(request.markup?.path, '/spool/markup');
    assert.equal(request.mask, null);
  });

  it('must be a PNG of the first image\'s size with transparency, and never with a mask', () => {
    assert.deepEqual(errorOf(edit('gpt-image-2.5-flare', file('markup', pngHeader(32, 64)))), invalidRequest('markup', 'invalid_image_format', 'Invalid markup image format - markup size does not match image size'));
    assert.deepEqual(errorOf(edit('gpt-image-2.5-flare', file('markup', pngHeader(64, 64, 2)))), invalidRequest('markup', 'invalid_image_format', 'Invalid markup image format - markup image must be a PNG with transparent pixels'));
    assert.deepEqual(errorOf(edit('gpt-image-2.5-flare', file('markup'), file('mask'))), invalidRequest('markup', 'invalid_value', "'markup' cannot be combined with 'mask': send one or the other."));
    assert.deepEqual(errorOf(edit('gpt-image-2.5-flare', file('markup', pngHeader(64, 64), 'image/jpeg'))), invalidRequest('markup', 'unsupported_file_mimetype', "Invalid file 'markup': unsupported mimetype ('image/jpeg'). Supported file formats are 'image/png'."));
    assert.deepEqual(errorOf(edit('gpt-image-2.5-flare', field('markup', 'circle'))), invalidRequest('markup', 'invalid_type', "Invalid type for 'markup': expected a file, but got a string instead."));
  });

  it('is an unknown parameter on families without it, and refused by engines that cannot honour it', () => {
    for (const model of ['gpt-image-2', 'gpt-image-2.6-sunburst', 'dall-e-2']) {
      assert.deepEqual(errorOf(edit(model, file('markup'))), invalidRequest('markup', 'unknown_parameter', "Unknown parameter: 'markup'."), model);
    }
    assert.deepEqual(errorOf(edit('local-2.5', file('markup'))), invalidRequest('markup', 'invalid_value', "Markup is not supported for the model 'local-2.5' on this server."));
  });
});

describe('moderation and the other new-family rules', () => {
  it('moderation low/auto on GPT image families, unknown on dall-e-2', () => {
    assert.equal(parse(edit('gpt-image-2.6-sunburst', field('moderation', 'low'))).model.id, 'gpt-image-2.6-sunburst');
    assert.deepEqual(errorOf(edit('gpt-image-2', field('moderation', 'high'))), invalidRequest('moderation', 'invalid_value', "Invalid value: 'high'. Supported values are: 'low' and 'auto'."));
    assert.deepEqual(errorOf(edit('dall-e-2', field('moderation', 'low'))), invalidRequest('moderation', 'unknown_parameter', "Unknown parameter: 'moderation'."));
  });

  it('sizes: 2.5 takes WxH like gpt-image-2, 2.6 and chatgpt-image-latest only the standard sizes', () => {
    assert.deepEqual(parse(edit('gpt-image-2.5-flare', field('size', '2048x1152'))).size, { width: 2048, height: 1152 });
    assert.equal(errorOf(edit('gpt-image-2.6-sunburst', field('size', '2048x1152'))).message, "Invalid value: '2048x1152'. Supported values are: '1024x1024', '1536x1024', '1024x1536', and 'auto'.");
    assert.equal(errorOf(edit('chatgpt-image-latest', field('size', '2048x1152'))).code, 'invalid_value');
  });

  it('input_fidelity is not a parameter of the newest families', () => {
    for (const model of ['gpt-image-2.5-flare', 'gpt-image-2.6-sunburst', 'chatgpt-image-latest']) {
      assert.equal(errorOf(edit(model, field('input_fidelity', 'high'))).code, 'unknown_parameter', model);
    }
  });
});

describe('pass-through', () => {
  it('forwards every text field as sent, unvalidated, prompt optional', () => {
    const parts = [field('model', 'future-model'), file('image', pngHeader(64, 64), 'application/octet-stream'), field('quality', 'ultra'), field('style_strength', '0.7')];
    const request = parse(parts);
    assert.deepEqual(request.fields, [
      { name: 'model', value: 'future-model' },
      { name: 'quality', value: 'ultra' },
      { name: 'style_strength', value: '0.7' },
    ]);
    assert.equal(request.prompt, '');
    assert.equal(request.responseFormat, 'b64_json');
  });

  it('still reads what Pixelgate acts on, and sniffs files', () => {
    assert.deepEqual(errorOf([field('model', 'future-model'), file('image'), field('n', 'two')]), invalidRequest('n', 'invalid_type', "Invalid type for 'n': expected an integer, but got a string instead."));
    assert.equal(parse([field('model', 'future-model'), file('image'), field('n', '12')]).n, 12);
    assert.deepEqual(errorOf([field('model', 'future-model'), file('image', Buffer.from('not an image'))]), {
      message: 'Invalid image file or mode for image 1, please check your image file.',
      type: 'image_generation_user_error',
      param: null,
      code: 'invalid_image_file',
    });
    assert.deepEqual(errorOf([field('model', 'future-model'), file('image'), file('reference')]), invalidRequest('reference', 'unknown_parameter', "Unknown parameter: 'reference'."));
    assert.equal(errorOf([field('model', 'future-model'), file('image'), field('output_format', 'bmp')]).param, 'output_format');
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../config/load-config.ts';
import { PriceTable } from './price-table.ts';

const usage = { total_tokens: 5300, input_tokens: 300, output_tokens: 5000, input_tokens_details: { text_tokens: 100, image_tokens: 200 } };

describe('PriceTable with the default prices', () => {
  const table = new PriceTable(loadConfig({}).billing);

  test('dall-e-2 per image by size', () => {
    assert.equal(table.actualMicroUsd({ model: 'dall-e-2', size: '256x256', images: 2, usage: null, builtIn: false }), 32_000);
    assert.equal(table.actualMicroUsd({ model: 'dall-e-2', size: '1024x1024', images: 1, usage: null, builtIn: false }), 20_000);
    assert.equal(table.estimateMicroUsd({ model: 'dall-e-2', size: '512x512', n: 3, inputImages: 1, promptBytes: 10, partialImages: 0 }, [{ builtIn: false }]), 54_000);
  });

  test('gpt-image-1 tokens: text in $5, image in $10, image out $40 per million, from the usage split', () => {
    // 100 × 5 + 200 × 10 + 5000 × 40 = 202,500 micro-dollars.
    assert.equal(table.actualMicroUsd({ model: 'gpt-image-1', size: '1024x1024', images: 1, usage, builtIn: false }), 202_500);
    assert.equal(table.actualMicroUsd({ model: 'gpt-image-1-mini', size: '1024x1024', images: 1, usage, builtIn: false }), 100 * 2 + 200 * 2.5 + 5000 * 8);
  });

  test('estimates reserve the most any candidate channel could charge', () => {
    const estimate = table.estimateMicroUsd({ model: 'gpt-image-1', size: null, n: 2, inputImages: 3, promptBytes: 40, partialImages: 0 }, [{ builtIn: true }, { builtIn: false }]);
    assert.equal(estimate, 40 * 5 + 3 * 1600 * 10 + 2 * 6240 * 40);
  });

  test('the estimate is a worst case: a text token per prompt byte, 100 output tokens per partial image', () => {
    const prompt = '把天空换成日落'; // 7 characters, 21 UTF-8 bytes
    const estimate = table.estimateMicroUsd(
      { model: 'gpt-image-1', size: '1024x1024', n: 1, inputImages: 2, promptBytes: Buffer.byteLength(prompt), partialImages: 3 },
      [{ builtIn: false }],
    );
    assert.equal(estimate, 21 * 5 + 2 * 1600 * 10 + (6240 + 3 * 100) * 40);
  });

  test('the built-in engine is free by default and unknown models cost nothing upstream', () => {
    assert.equal(table.actualMicroUsd({ model: 'dall-e-2', size: '256x256', images: 4, usage: null, builtIn: true }), 0);
    assert.equal(table.actualMicroUsd({ model: 'other', size: '256x256', images: 4, usage: null, builtIn: false }), 0);
  });

  test('a configured built-in price', () => {
    const priced = new PriceTable(loadConfig({}, { billing: { builtInPerImageUsd: 0.001 } }).billing);
    assert.equal(priced.actualMicroUsd({ model: 'pixelgate-fill', size: '8x8', images: 3, usage: null, builtIn: true }), 3000);
  });
});

describe('PriceTable with SVG authoring usage', () => {
  const svgUsage = { input_tokens: 1000, model: 'svg-author', output_tokens: 3000, reasoning_tokens: 2000, total_tokens: 4000 };
  const withSvg = { ...usage, output_tokens_details: { text_tokens: 0, image_tokens: 5000 }, svg_usage: svgUsage };

  test('svg_usage at the configured svgInput and svgOutput rates, beside the rendering tokens', () => {
    const table = new PriceTable(
      loadConfig({}, { billing: { prices: [{ model: 'gpt-image-2.6-flare', perMillionTokensUsd: { textInput: 5, imageInput: 10, imageOutput: 40, svgInput: 2, svgOutput: 8 } }] } }).billing,
    );
    // Rendering 100 × 5 + 200 × 10 + 5000 × 40, SVG 1000 × 2 + 3000 × 8 (reasoning is inside output_tokens).
    assert.equal(table.actualMicroUsd({ model: 'gpt-image-2.6-flare', size: '1024x1024', images: 1, usage: withSvg, builtIn: false }), 202_500 + 2_000 + 24_000);
  });

  test('without SVG rates, svg_usage is charged at textInput and imageOutput (never free)', () => {
    const table = new PriceTable(loadConfig({}).billing);
    assert.equal(table.actualMicroUsd({ model: 'gpt-image-1', size: '1024x1024', images: 1, usage: withSvg, builtIn: false }), 202_500 + 1000 * 5 + 3000 * 40);
  });
});

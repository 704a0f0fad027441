/**
 * One shared suite for the engine contract, run against every engine implementation (the
 * built-in fill, the stand-in, upstream adapters pointed at a fake upstream). A case an engine
 * cannot run is listed in `skip` with its reason and reported as skipped, never passed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { readImageFacts } from '../images/read-image-facts.ts';
import { editJobWithDefaults } from './edit-job-defaults.ts';
import type { EditJob, EngineInputImage, ImageEngine } from './engine.ts';
import { EngineError } from './engine.ts';

export type EngineContractCase = 'output-count-size-format' | 'auto-size-is-input-size' | 'aborted-signal' | 'output-facts-match-bytes';

export interface EngineContractOptions {
  /** Cases this engine cannot run, with the reason shown in the test report. */
  readonly skip?: Partial<Record<EngineContractCase, string>>;
}

async function writeInput(directory: string, name: string, bytes: Buffer): Promise<EngineInputImage> {
  const filePath = path.join(directory, name);
  await writeFile(filePath, bytes);
  return { path: filePath, facts: readImageFacts(bytes), byteLength: (await stat(filePath)).size, filename: name };
}

export function defineEngineContractSuite(name: string, open: () => Promise<ImageEngine>, options: EngineContractOptions = {}): void {
  describe(`engine contract: ${name}`, () => {
    let engine: ImageEngine;
    let directory: string;
    let image: EngineInputImage;
    let mask: EngineInputImage;

    before(async () => {
      engine = await open();
      directory = await mkdtemp(path.join(tmpdir(), 'pixelgate-engine-contract-'));
      const pixels = Buffer.alloc(48 * 32 * 3);
      for (let index = 0; index < pixels.length; index++) pixels[index] = (index * 37) % 251;
      image = await writeInput(directory, 'image.png', await sharp(pixels, { raw: { width: 48, height: 32, channels: 3 } }).png().toBuffer());
      const maskPixels = Buffer.alloc(48 * 32 * 4, 255);
      for (let y = 10; y < 20; y++) for (let x = 15; x < 30; x++) maskPixels[(y * 48 + x) * 4 + 3] = 0;
      mask = await writeInput(directory, 'mask.png', await sharp(maskPixels, { raw: { width: 48, height: 32, channels: 4 } }).png().toBuffer());
    });
    after(async () => {
      await engine?.close();
      if (directory) await rm(directory, { recursive: true, force: true });
    });

    function job(overrides: Partial<EditJob> = {}): EditJob {
      return editJobWithDefaults({ requestId: 'req_contract', model: 'contract-model', prompt: 'fill the hole', images: [image], mask, seed: 7, ...overrides });
    }

    function contractCase(caseName: EngineContractCase, title: string, body: () => Promise<void>): void {
      const reason = options.skip?.[caseName];
      if (reason) it(title, { skip: reason }, () => undefined);
      else it(title, body);
    }

    it('declares sane capabilities', () => {
      const { capabilities } = engine;
      assert.ok(capabilities.maxInputImages >= 1);
      assert.ok(capabilities.maxOutputImagesPerCall >= 1);
      assert.ok(capabilities.outputFormats.length > 0);
      assert.ok(capabilities.inputFormats.includes('png'));
    });

    contractCase('output-count-size-format', 'returns exactly n images of the requested size and format', async () => {
      for (const outputFormat of engine.capabilities.outputFormats) {
        const size = engine.capabilities.resize ? { width: 64, height: 40 } : null;
        const result = await engine.edit(job({ n: 2, outputFormat, outputCompression: outputFormat === 'png' ? 100 : 80, size }));
        assert.equal(result.images.length, 2);
        for (const output of result.images) {
          const metadata = await sharp(output.bytes).metadata();
          assert.equal(metadata.format, outputFormat);
          assert.equal(metadata.width, size?.width ?? 48);
          assert.equal(metadata.height, size?.height ?? 32);
        }
      }
    });

    contractCase('auto-size-is-input-size', "answers at the input's size when size is auto", async () => {
      const result = await engine.edit(job());
      const metadata = await sharp(result.images[0].bytes).metadata();
      assert.deepEqual([metadata.width, metadata.height], [48, 32]);
    });

    contractCase('output-facts-match-bytes', 'reports each output image as its bytes are', async () => {
      const result = await engine.edit(job({ outputFormat: 'png' }));
      for (const output of result.images) {
        const facts = readImageFacts(output.bytes);
        assert.deepEqual([facts.format, facts.width, facts.height], [output.format, output.width, output.height]);
      }
    });

    contractCase('aborted-signal', 'rejects with a cancelled EngineError when the signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(engine.edit(job({ signal: controller.signal })), (error: unknown) => {
        assert.ok(error instanceof EngineError, String(error));
        assert.equal(error.kind, 'cancelled');
        return true;
      });
    });
  });
}

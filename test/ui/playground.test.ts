/**
 * The playground at `/` in real headless Chromium against the real server: upload an image,
 * paint a stroke with the mouse, submit (pixelgate-fill, b64_json), and check the result with
 * sharp — changed inside the painted stroke, identical outside. Also the phone layout and an
 * API error shown with the API's own message.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { launchBrowser, saveScreenshot, unlabelledControls, type TestBrowser } from '../support/browser.ts';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';

const imageWidth = 256;
const imageHeight = 192;
/** A red square on a striped gradient: where the stroke goes, the fill must replace it. */
const redSquare = { left: 100, top: 70, size: 50 };

async function fixtureImage(): Promise<Buffer> {
  const data = Buffer.alloc(imageWidth * imageHeight * 3);
  for (let y = 0; y < imageHeight; y++) {
    for (let x = 0; x < imageWidth; x++) {
      const offset = (y * imageWidth + x) * 3;
      const inSquare = x >= redSquare.left && x < redSquare.left + redSquare.size && y >= redSquare.top && y < redSquare.top + redSquare.size;
      const stripe = (Math.floor((x + y) / 10) % 2) * 40;
      data[offset] = inSquare ? 230 : 40 + stripe;
      data[offset + 1] = inSquare ? 20 : 90 + Math.round((x * 100) / imageWidth);
      data[offset + 2] = inSquare ? 30 : 120 + Math.round((y * 100) / imageHeight);
    }
  }
  return sharp(data, { raw: { width: imageWidth, height: imageHeight, channels: 3 } }).png().toBuffer();
}

async function rgba(image: Buffer) {
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Waits until the page reports the edit done, and fails with the page's error message if it failed. */
async function waitForEditOutcome(page: Page): Promise<void> {
  await page.waitForFunction(() => /^(Done|Failed)/.test(document.getElementById('edit-status')!.textContent!), undefined, { timeout: 30_000 });
  const status = await page.locator('#edit-status').innerText();
  if (!status.startsWith('Done')) assert.fail(`${status} ${await page.locator('#edit-error').innerText()}`);
}

let server: RunningServer;
let browser: TestBrowser;
let workDirectory: string;
let imagePath: string;
let original: Buffer;
let userKey: string;
const screenshots: string[] = [];

before(async () => {
  const served = [
    { id: 'dall-e-2', rules: 'dall-e-2', engine: 'local' },
    { id: 'pixelgate-fill', rules: 'pixelgate-fill', engine: 'local' },
    // The stand-in engine streams partial images under the GPT image rules.
    { id: 'gpt-image-1', rules: 'gpt-image-1', engine: 'stand-in' },
  ];
  [server, browser] = await Promise.all([startServer({ config: { models: { served } } }), launchBrowser()]);
  workDirectory = await mkdtemp(path.join(tmpdir(), 'pixelgate-ui-'));
  original = await fixtureImage();
  imagePath = path.join(workDirectory, 'square.png');
  await writeFile(imagePath, original);
  userKey = (await createKey(server, 'playground')).key;
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (workDirectory) await rm(workDirectory, { recursive: true, force: true });
  if (screenshots.length > 0) console.log(`# screenshots: ${screenshots.join(' ')}`);
});

describe('playground', () => {
  it('paints a stroke, edits with pixelgate-fill and shows a result changed only inside the stroke', async () => {
    const { page, problems } = await browser.newPage({ width: 1280, height: 900 });
    await page.addInitScript(() => {
      const pageFetch = window.fetch.bind(window);
      window.fetch = (input, init) => {
        if (String(input).endsWith('/v1/images/edits') && init?.body instanceof FormData) (window as any).capturedEditForm = init.body;
        return pageFetch(input, init);
      };
    });
    await page.goto(server.baseUrl + '/');
    await page.getByLabel(/^Key/).fill(userKey);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.getByText('Key accepted: 3 models available.').waitFor();
    assert.equal(await page.locator('#model').inputValue(), 'pixelgate-fill');
    assert.equal(await page.locator('#option-response_format').inputValue(), 'b64_json');

    await page.locator('#image-file').setInputFiles(imagePath);
    await page.locator('#mask-stage').waitFor();
    assert.match(await page.locator('#image-facts').innerText(), /square\.png — 256×192, PNG/);

    const canvas = page.locator('#mask-canvas');
    const stageWidth = (await canvas.boundingBox())!.width;
    assert.equal(Math.round(stageWidth), 480, 'a small image is scaled up on the stage to be painted');
    // The brush size is in screen pixels: 113 px on a 480 px stage is 60 image pixels.
    await page.locator('#brush-size').fill(String(Math.round((60 * stageWidth) / imageWidth)));
    // Measured after the slider, which may have scrolled the page.
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const toScreen = (x: number, y: number) => [box.x + (x * box.width) / imageWidth, box.y + (y * box.height) / imageHeight] as const;
    const strokeY = redSquare.top + redSquare.size / 2;
    await page.mouse.move(...toScreen(redSquare.left - 5, strokeY));
    await page.mouse.down();
    for (let x = redSquare.left; x <= redSquare.left + redSquare.size + 5; x += 5) await page.mouse.move(...toScreen(x, strokeY));
    await page.mouse.up();
    assert.match(await page.locator('#mask-status').innerText(), /% of the image painted/);

    // Chromium does not report multipart bodies holding blobs, so the test wraps the page's fetch
    // (from the test side, before any page script runs) to see exactly what the page sends.
    await page.getByRole('button', { name: 'Edit image' }).click();
    await page.waitForFunction(() => (window as any).capturedEditForm !== undefined);
    const capturedFields = await page.evaluate(async () => {
      const form = (window as any).capturedEditForm as FormData;
      const fields: Record<string, string> = {};
      for (const [name, value] of form.entries()) {
        if (typeof value === 'string') fields[name] = value;
        else fields[name] = `base64:${btoa(String.fromCharCode(...new Uint8Array(await value.arrayBuffer())))}`;
      }
      return fields;
    });
    const sent = new Map(Object.entries(capturedFields));
    const fileField = (name: string) => Buffer.from(sent.get(name)!.replace(/^base64:/, ''), 'base64');
    assert.deepEqual([...sent.keys()], ['model', 'image', 'mask', 'prompt', 'response_format']);
    assert.equal(sent.get('model'), 'pixelgate-fill');
    assert.equal(sent.get('response_format'), 'b64_json');
    assert.equal(sent.get('prompt'), 'remove the object');
    const sentImage = fileField('image');
    assert.ok(sentImage.equals(original), 'the image is sent as uploaded, not re-encoded');
    const mask = await rgba(fileField('mask'));
    assert.deepEqual([mask.width, mask.height], [imageWidth, imageHeight], 'the mask has the image’s natural size');

    await waitForEditOutcome(page);
    assert.match(await page.locator('#edit-status').innerText(), /^Done in \d+\.\d s: 1 image\.$/);
    const resultSource = await page.locator('[data-testid="result"] img').getAttribute('src');
    assert.match(resultSource!, /^data:image\/png;base64,/);
    const result = await rgba(Buffer.from(resultSource!.split(',')[1], 'base64'));
    const source = await rgba(original);
    assert.deepEqual([result.width, result.height], [imageWidth, imageHeight]);

    let paintedPixels = 0;
    let changedInside = 0;
    let changedOutside = 0;
    let redLeftInside = 0;
    for (let pixel = 0; pixel < imageWidth * imageHeight; pixel++) {
      const alpha = mask.data[pixel * 4 + 3];
      assert.ok(alpha === 0 || alpha === 255, `mask alpha is 0 or 255, not ${alpha}`);
      const offset = pixel * 4;
      const differs = [0, 1, 2].some((channel) => result.data[offset + channel] !== source.data[offset + channel]);
      if (alpha === 0) {
        paintedPixels++;
        if (differs) changedInside++;
        if (result.data[offset] > 200 && result.data[offset + 1] < 60) redLeftInside++;
      } else if (differs) changedOutside++;
    }
    // The stroke: 60 image pixels wide, from x=95 to x=155 on the square's middle line.
    const strokeCentre = (strokeY * imageWidth + redSquare.left + redSquare.size / 2) * 4 + 3;
    assert.equal(mask.data[strokeCentre], 0, 'painted where the mouse went');
    const maskAlphaAt = (x: number, y: number) => mask.data[(y * imageWidth + x) * 4 + 3];
    const strokeColumn = redSquare.left + redSquare.size / 2;
    assert.deepEqual(
      [strokeY - 36, strokeY - 25, strokeY + 25, strokeY + 36].map((y) => maskAlphaAt(strokeColumn, y)),
      [255, 0, 0, 255],
      'the stroke is 60 image pixels tall around the line the mouse followed',
    );
    assert.equal(mask.data[(10 * imageWidth + 10) * 4 + 3], 255, 'not painted far from the stroke');
    assert.ok(paintedPixels > 5000 && paintedPixels < 8000, `painted ${paintedPixels} pixels`);
    assert.equal(changedOutside, 0, 'every pixel outside the stroke is unchanged');
    assert.ok(changedInside > paintedPixels * 0.8, `changed ${changedInside} of ${paintedPixels} painted pixels`);
    assert.equal(redLeftInside, 0, 'the red square, wholly inside the stroke, is filled over');

    assert.deepEqual(await unlabelledControls(page), [], 'every control has a label');
    const download = page.locator('[data-testid="result"] a[download]');
    assert.equal(await download.getAttribute('download'), 'pixelgate-edit-1.png');
    assert.match(await page.locator('#snippet-curl').innerText(), /-F model=pixelgate-fill/);
    screenshots.push(await saveScreenshot(page, 'playground-with-result'));
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('erases, undoes (button and Ctrl+Z), clears, and paints from the keyboard', async () => {
    const { page, problems } = await browser.newPage();
    await page.goto(server.baseUrl + '/');
    await page.locator('#image-file').setInputFiles(imagePath);
    await page.locator('#mask-stage').waitFor();
    const status = page.locator('#mask-status');
    const paintedPercent = async () => Number(/^([\d.]+)% of the image painted\.$/.exec(await status.innerText())?.[1] ?? 0);
    const drag = async (fromX: number, toX: number) => {
      const box = (await page.locator('#mask-canvas').boundingBox())!;
      await page.mouse.move(box.x + box.width * fromX, box.y + box.height * 0.5);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * toX, box.y + box.height * 0.5, { steps: 6 });
      await page.mouse.up();
    };
    assert.equal(await status.innerText(), 'Paint over the region to edit.');
    await drag(0.2, 0.8);
    const painted = await paintedPercent();
    assert.ok(painted > 5, `painted ${painted}%`);
    await page.getByLabel('Erase').check();
    await drag(0.4, 0.6);
    const afterErase = await paintedPercent();
    assert.ok(afterErase > 0 && afterErase < painted, `erasing lowered ${painted}% to ${afterErase}%`);
    await page.getByRole('button', { name: 'Undo' }).click();
    assert.equal(await paintedPercent(), painted, 'undo restores the erased part');
    await page.getByRole('button', { name: 'Clear' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await status.innerText(), 'Paint over the region to edit.');
    assert.equal(await page.getByRole('button', { name: 'Clear' }).isDisabled(), true);
    await page.locator('body').press('Control+z');
    assert.equal(await paintedPercent(), painted, 'Ctrl+Z undoes the clear');

    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Paint (edit here)').check();
    await page.locator('#mask-canvas').focus();
    assert.equal(await page.locator('#brush-cursor').isVisible(), true, 'the brush outline shows where keyboard painting lands');
    await page.keyboard.press('Space');
    for (let step = 0; step < 5; step++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Space');
    const paintedByKeyboard = await paintedPercent();
    assert.ok(paintedByKeyboard > 1, `painted ${paintedByKeyboard}% from the keyboard`);
    await page.keyboard.press('ArrowDown');
    assert.equal(await paintedPercent(), paintedByKeyboard, 'moving after the stroke ended paints nothing');
    await page.getByLabel("Use the image's own transparency (send no mask)").check();
    assert.match(await status.innerText(), /^This image has no transparent pixels/);
    assert.doesNotMatch(await page.locator('#snippet-curl').innerText(), /mask=/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('streams: shows partial images while the model works, then the completed image', async () => {
    const { page, problems } = await browser.newPage();
    await page.goto(server.baseUrl + '/');
    await page.locator('#api-key').fill(userKey);
    await page.locator('#api-key').press('Enter');
    await page.getByText('Key accepted').waitFor();
    await page.getByLabel('Model').selectOption('gpt-image-1');
    await page.getByLabel('Stream the answer').check();
    await page.getByLabel('Partial images').fill('2');
    await page.locator('#image-file').setInputFiles(imagePath);
    await page.locator('#mask-stage').waitFor();
    await page.getByLabel("Use the image's own transparency (send no mask)").check();
    await page.getByLabel('Prompt').fill('a lighthouse');
    assert.match(await page.locator('#snippet-curl').innerText(), /curl --no-buffer .*\n(.*\n)*  -F stream=true \\\n  -F partial_images=2$/);
    await page.getByRole('tab', { name: 'openai SDK (Node)' }).click();
    assert.match(await page.locator('#snippet-node').innerText(), /stream: true,\n  partial_images: 2,\n\}\);\nfor await \(const event of stream\)/);
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as any).partialCaptionsSeen = seen;
      new MutationObserver(() => {
        for (const caption of document.querySelectorAll('[data-testid="partial"] figcaption')) seen.push(caption.textContent!);
      }).observe(document.getElementById('results')!, { childList: true, subtree: true });
    });
    await page.getByRole('button', { name: 'Edit image' }).click();
    await waitForEditOutcome(page);
    assert.match(await page.locator('#edit-status').innerText(), /^Done in \d+\.\d s: 1 image after 2 partial images\.$/);
    assert.deepEqual([...new Set(await page.evaluate(() => (window as any).partialCaptionsSeen))], ['Partial image 1', 'Partial image 2']);
    assert.equal(await page.locator('[data-testid="partial"]').count(), 0, 'the completed image replaces the partial one');
    assert.match((await page.locator('[data-testid="result"] img').getAttribute('src'))!, /^data:image\/png;base64,/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('sizes the mask from the stored pixels of an EXIF-rotated JPEG, as the API reads them', async () => {
    const rotatedPath = path.join(workDirectory, 'rotated.jpg');
    const stored = sharp({ create: { width: 200, height: 100, channels: 3, background: { r: 10, g: 200, b: 50 } } });
    await writeFile(rotatedPath, await stored.jpeg().withMetadata({ orientation: 6 }).toBuffer());
    const { page, problems } = await browser.newPage();
    await page.goto(server.baseUrl + '/');
    await page.locator('#api-key').fill(userKey);
    await page.locator('#api-key').press('Enter');
    await page.getByText('Key accepted').waitFor();
    await page.locator('#image-file').setInputFiles(rotatedPath);
    await page.locator('#mask-stage').waitFor();
    assert.match(await page.locator('#image-facts').innerText(), /^rotated\.jpg — 200×100, JPEG, .* does not apply the EXIF rotation$/);
    const box = (await page.locator('#mask-canvas').boundingBox())!;
    assert.equal(Math.round(box.width / box.height), 2, 'the stage shows the stored (landscape) pixels');
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 4 });
    await page.mouse.up();
    await page.getByLabel('Number of images (n)').fill('2');
    assert.match(await page.locator('#snippet-node').textContent() ?? '', /  n: 2,\n/);
    await page.getByRole('button', { name: 'Edit image' }).click();
    await waitForEditOutcome(page);
    assert.match(await page.locator('#edit-status').innerText(), /: 2 images\.$/);
    assert.deepEqual(await page.locator('[data-testid="result"] a[download]').evaluateAll((links) => links.map((link) => link.getAttribute('download'))), [
      'pixelgate-edit-1.png',
      'pixelgate-edit-2.png',
    ]);
    const resultBytes = Buffer.from((await page.locator('[data-testid="result"] img').first().getAttribute('src'))!.split(',')[1], 'base64');
    assert.equal((await sharp(resultBytes).metadata()).format, 'png', "pixelgate-fill answers in its default output_format, png");
    const result = await rgba(resultBytes);
    assert.deepEqual([result.width, result.height], [200, 100]);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('paints with touch, shows the API error message and fits a phone screen', async () => {
    const { page, problems } = await browser.newPage({ width: 375, height: 800 });
    const devtools = await browser.context.newCDPSession(page);
    await devtools.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
    await page.goto(server.baseUrl + '/');
    await page.locator('#api-key').fill(userKey);
    await page.locator('#api-key').press('Enter');
    await page.getByText('Key accepted').waitFor();
    await page.locator('#model').selectOption('dall-e-2');
    await page.locator('#image-file').setInputFiles(imagePath);
    await page.locator('#mask-stage').waitFor();
    await page.locator('#mask-canvas').scrollIntoViewIfNeeded();
    const box = (await page.locator('#mask-canvas').boundingBox())!;
    assert.ok(box.width <= 375, `the image fits the phone width (${box.width} px)`);
    // A finger drag on the canvas paints (touch-action: none) instead of scrolling the page.
    const scrolledBefore = await page.evaluate(() => window.scrollY);
    const touchAt = (fraction: number) => [{ x: box.x + box.width * fraction, y: box.y + box.height * 0.5 }];
    await devtools.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: touchAt(0.3) });
    for (const fraction of [0.35, 0.4, 0.45, 0.5, 0.55, 0.6]) await devtools.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: touchAt(fraction) });
    await devtools.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    assert.match(await page.locator('#mask-status').innerText(), /^\d+\.\d% of the image painted\.$/);
    assert.equal(await page.evaluate(() => window.scrollY), scrolledBefore, 'the page did not scroll');
    await page.getByRole('button', { name: 'Edit image' }).click();
    const error = page.locator('#edit-error');
    await error.waitFor();
    const direct = await fetch(`${server.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userKey}` },
      body: (() => {
        const form = new FormData();
        form.append('model', 'dall-e-2');
        form.append('image', new Blob([new Uint8Array(original)], { type: 'image/png' }), 'square.png');
        form.append('prompt', 'x');
        form.append('response_format', 'b64_json');
        return form;
      })(),
    });
    const expected = ((await direct.json()) as { error: { message: string } }).error.message;
    assert.equal(await error.innerText(), expected, 'the page shows the API’s own message');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'no horizontal scrolling at 375 px');
    screenshots.push(await saveScreenshot(page, 'playground-phone'));
    assert.deepEqual(problems, []);
    await page.close();
  });
});

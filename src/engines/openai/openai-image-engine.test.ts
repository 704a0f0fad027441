import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { readImageFacts } from '../../images/read-image-facts.ts';
import { fakeUsage, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.ts';
import { halfTransparentMask, jpeg, opaquePng } from '../../../test/support/images.ts';
import type { EngineInputImage } from '../engine.ts';
import { OpenAiImageEngine } from './openai-image-engine.ts';
import type { RelayEditJob, UpstreamStreamEvent } from './relay-edit-job.ts';
import { UpstreamError } from './upstream-error.ts';
import type { UpstreamEndpoint } from './upstream-endpoint.ts';
import { editJobWithDefaults } from '../edit-job-defaults.ts';

let upstream: FakeUpstream;
let directory: string;

before(async () => {
  upstream = await startFakeUpstream();
  directory = await mkdtemp(path.join(tmpdir(), 'pixelgate-adapter-'));
});
after(async () => {
  await upstream.close();
  await rm(directory, { recursive: true, force: true });
});

async function spooled(name: string, bytes: Buffer, filename = name): Promise<EngineInputImage> {
  const filePath = path.join(directory, name);
  await writeFile(filePath, bytes);
  return { path: filePath, facts: readImageFacts(bytes), byteLength: bytes.length, filename };
}

function engine(endpoint: Partial<UpstreamEndpoint> = {}, timeouts: { firstByteTimeoutMs?: number } = {}) {
  return new OpenAiImageEngine({
    id: 'test-channel',
    endpoint: { kind: 'openai', baseUrl: upstream.baseUrl, apiKey: 'sk-upstream-secret', ...endpoint } as UpstreamEndpoint,
    connectTimeoutMs: 1000,
    firstByteTimeoutMs: timeouts.firstByteTimeoutMs ?? 5000,
    requestTimeoutMs: 10_000,
    maxResponseBytes: 10 * 1024 * 1024,
  });
}

function job(images: EngineInputImage[], extras: Partial<RelayEditJob> = {}): RelayEditJob {
  return {
    ...editJobWithDefaults({ requestId: 'req_0123', model: 'gpt-image-1-2025-04-15', prompt: 'a hat', images }),
    forwardedFields: [
      { name: 'prompt', value: 'a hat' },
      { name: 'model', value: 'gpt-image-1' },
      { name: 'quality', value: 'low' },
    ],
    stream: false,
    ...extras,
  };
}

describe('OpenAiImageEngine', () => {
  test('sends all 16 images as image[] in order with sniffed content types, the mask, and the rewritten model', async () => {
    const formats = [await opaquePng(16, 16), await jpeg(16, 16), await sharp({ create: { width: 16, height: 16, channels: 3, background: 'red' } }).webp().toBuffer()];
    const images: EngineInputImage[] = [];
    const bytes: Buffer[] = [];
    for (let index = 0; index < 16; index++) {
      const data = Buffer.concat([formats[index % 3]]);
      bytes.push(data);
      // The client's claimed names and types are irrelevant: the part type comes from the bytes.
      images.push(await spooled(`in-${index}`, data, index === 0 ? '' : `photo-${index}.bin`));
    }
    const maskBytes = await halfTransparentMask(16, 16);
    const mask = await spooled('mask', maskBytes, 'mask.png');
    const start = upstream.requests.length;
    const result = await engine().edit(job(images, { mask, n: 2 }));
    const sent = upstream.requests[start];
    assert.equal(sent.url, '/v1/images/edits');
    assert.equal(sent.headers.authorization, 'Bearer sk-upstream-secret');
    assert.equal(sent.headers['content-length'], String(sent.body.length));
    assert.deepEqual(
      sent.parts.filter((part) => part.filename === null).map((part) => [part.name, part.data.toString()]),
      [['prompt', 'a hat'], ['model', 'gpt-image-1-2025-04-15'], ['quality', 'low'], ['n', '2']],
    );
    const files = sent.parts.filter((part) => part.filename !== null);
    assert.equal(files.length, 17);
    const expectedTypes = ['image/png', 'image/jpeg', 'image/webp'];
    files.slice(0, 16).forEach((part, index) => {
      assert.equal(part.name, 'image[]');
      assert.equal(part.contentType, expectedTypes[index % 3]);
      assert.equal(part.filename, index === 0 ? 'image-1.png' : `photo-${index}.bin`);
      assert.ok(part.data.equals(bytes[index]), `image ${index} bytes`);
    });
    assert.deepEqual([files[16].name, files[16].contentType, files[16].filename], ['mask', 'image/png', 'mask.png']);
    assert.ok(files[16].data.equals(maskBytes));
    assert.equal(result.images.length, 2);
    assert.deepEqual(result.usage, fakeUsage);
  });

  test('one image goes as image; the default model is put first', async () => {
    const image = await spooled('single', await opaquePng(16, 16), 'one.png');
    const start = upstream.requests.length;
    await engine().edit(job([image], { forwardedFields: [{ name: 'prompt', value: 'x' }] }));
    const sent = upstream.requests[start];
    assert.deepEqual(sent.parts.map((part) => part.name), ['model', 'prompt', 'image']);
  });

  test('Azure: deployment URL, api-version and api-key header, same body', async () => {
    const image = await spooled('azure', await opaquePng(16, 16), 'one.png');
    const start = upstream.requests.length;
    const azureBase = upstream.baseUrl.replace(/\/v1$/, '');
    await engine({ kind: 'azure', baseUrl: azureBase, deployment: 'my deploy', apiVersion: '2025-04-01-preview' }).edit(job([image]));
    const sent = upstream.requests[start];
    assert.equal(sent.url, '/openai/deployments/my%20deploy/images/edits?api-version=2025-04-01-preview');
    assert.equal(sent.headers['api-key'], 'sk-upstream-secret');
    assert.equal(sent.headers.authorization, undefined);
  });

  test('a URL answer is downloaded, so clients never see upstream URLs', async () => {
    const image = await spooled('url', await opaquePng(16, 16), 'one.png');
    upstream.cue({ kind: 'openai', answerWithUrl: true });
    const result = await engine().edit(job([image], { model: 'dall-e-2', forwardedFields: [{ name: 'prompt', value: 'x' }, { name: 'response_format', value: 'url' }] }));
    assert.equal(result.images[0].format, 'png');
    assert.equal(result.images[0].width, 16);
  });

  test('passUpstreamUrls: a client asking for url gets the upstream URLs, nothing downloaded; b64_json still downloads', async () => {
    const image = await spooled('pass-url', await opaquePng(16, 16), 'one.png');
    const passing = new OpenAiImageEngine({
      id: 'passing',
      endpoint: { kind: 'openai', baseUrl: upstream.baseUrl, apiKey: 'k' },
      connectTimeoutMs: 1000,
      firstByteTimeoutMs: 5000,
      requestTimeoutMs: 10_000,
      maxResponseBytes: 1024 * 1024,
      passUpstreamUrls: true,
    });
    const fields = [{ name: 'prompt', value: 'x' }, { name: 'n', value: '2' }];
    upstream.cue({ kind: 'openai', answerWithUrl: true }, { kind: 'openai', answerWithUrl: true });
    const kept = await passing.edit(job([image], { model: 'dall-e-2', n: 2, size: { width: 512, height: 512 }, responseFormat: 'url', forwardedFields: fields }));
    assert.equal(kept.upstreamUrls?.length, 2);
    assert.ok(kept.upstreamUrls!.every((url) => url.startsWith(upstream.baseUrl.replace('/v1', '/files/'))));
    assert.deepEqual(kept.images.map((output) => [output.bytes.length, output.width, output.height]), [[0, 512, 512], [0, 512, 512]]);
    const inlined = await passing.edit(job([image], { model: 'dall-e-2', n: 2, responseFormat: 'b64_json', forwardedFields: fields }));
    assert.equal(inlined.upstreamUrls, undefined);
    assert.equal(inlined.images[0].width, 16);
    await passing.close();
  });

  test('failures are classified once: 500 and 429 retryable (with retry-after), 400 passed back, hang and reset retryable', async () => {
    const image = await spooled('fail', await opaquePng(16, 16), 'one.png');
    const attempt = async (cueing: () => void, timeouts = {}) => {
      cueing();
      return engine({}, timeouts).edit(job([image])).then(
        () => assert.fail('expected a failure'),
        (error: unknown) => error as UpstreamError,
      );
    };
    const serverError = await attempt(() => upstream.cue({ kind: 'status', status: 500 }));
    assert.deepEqual([serverError.retryable, serverError.status], [true, 500]);
    const limited = await attempt(() => upstream.cue({ kind: 'status', status: 429, retryAfterSeconds: 7 }));
    assert.deepEqual([limited.retryable, limited.status, limited.retryAfterMs], [true, 429, 7000]);
    const badRequest = await attempt(() =>
      upstream.cue({ kind: 'status', status: 400, body: { error: { message: 'Your prompt was rejected.', type: 'invalid_request_error', param: 'prompt', code: 'moderation_blocked' } } }),
    );
    assert.equal(badRequest.retryable, false);
    assert.deepEqual(badRequest.upstreamBody, { message: 'Your prompt was rejected.', type: 'invalid_request_error', param: 'prompt', code: 'moderation_blocked' });
    const hung = await attempt(() => upstream.cue({ kind: 'hang' }), { firstByteTimeoutMs: 200 });
    assert.deepEqual([hung instanceof UpstreamError, hung.retryable, hung.status], [true, true, null]);
    const reset = await attempt(() => upstream.cue({ kind: 'reset-mid-body' }));
    assert.deepEqual([reset instanceof UpstreamError, reset.retryable, reset.status], [true, true, null]);
  });

  test('streams: partial events are passed on as sent, the completed event is kept with its usage', async () => {
    const image = await spooled('stream', await opaquePng(16, 16), 'one.png');
    const events: UpstreamStreamEvent[] = [];
    const result = await engine().edit(
      job([image], {
        stream: true,
        forwardedFields: [{ name: 'prompt', value: 'x' }, { name: 'stream', value: 'true' }, { name: 'partial_images', value: '2' }],
        onUpstreamEvent: (event) => events.push(event),
      }),
    );
    assert.deepEqual(events.map((event) => [event.event, JSON.parse(event.data).partial_image_index]), [['image_edit.partial_image', 0], ['image_edit.partial_image', 1]]);
    assert.equal(result.completedEvent?.event, 'image_edit.completed');
    assert.deepEqual(result.usage, fakeUsage);
  });

  test('a stream that fails after a partial image is an upstream fault (retryable; the router decides if it is too late)', async () => {
    const image = await spooled('stream-fail', await opaquePng(16, 16), 'one.png');
    upstream.cue({ kind: 'stream-then-error' });
    const error = (await engine().edit(job([image], { stream: true })).catch((caught) => caught)) as UpstreamError;
    assert.equal(error.retryable, true);
    assert.equal(error.upstreamBody?.code, 'upstream_cued');
  });
});

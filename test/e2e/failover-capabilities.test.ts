/**
 * Failover never hands an edit to a channel that would do it only in part: a gpt-image-2.5 edit
 * with `markup` whose relay channel fails is not passed to the built-in fallback (which cannot
 * honour markup) — it fails as unavailable — while the same edit without markup is served there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts';
import { halfTransparentMask, opaquePng } from '../support/images.ts';
import { postEdit, type TestPart } from '../support/multipart.ts';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';

let upstream: FakeUpstream;
let server: RunningServer;
let key = '';
let image: Buffer;
let markup: Buffer;

before(async () => {
  image = await opaquePng(32, 32);
  markup = await halfTransparentMask(32, 32);
  upstream = await startFakeUpstream();
  server = await startServer({
    config: {
      models: { defaultModel: 'gpt-image-2.5-flare', defaultGptImageModel: 'gpt-image-2.5-flare', served: [{ id: 'gpt-image-2.5-flare', rules: 'gpt-image-2.5' }] },
      channels: [
        { name: 'upstream', type: 'openai-compatible', baseUrl: upstream.baseUrl, apiKey: 'sk-a', models: [{ id: 'gpt-image-2.5-flare' }], priority: 2 },
        { name: 'fallback', type: 'stand-in', models: [{ id: 'gpt-image-2.5-flare' }], priority: 1 },
      ],
      routing: { failureThreshold: 1000 },
      billing: { prices: [{ model: 'gpt-image-2.5-flare', free: true }] },
    },
  });
  key = (await createKey(server, 'capabilities')).key;
});
after(async () => {
  await server?.stop();
  await upstream?.close();
});

const parts = (...more: TestPart[]): TestPart[] => [
  { name: 'model', value: 'gpt-image-2.5-flare' },
  { name: 'prompt', value: 'p' },
  { name: 'image', filename: 'a.png', data: image, contentType: 'image/png' },
  ...more,
];

describe('failover and capabilities', () => {
  it('an edit with markup is not failed over to a channel that cannot honour it; without markup it is', async () => {
    upstream.cue({ kind: 'status', status: 500 });
    const withMarkup = await postEdit(server.baseUrl, key, parts({ name: 'markup', filename: 'markup.png', data: markup, contentType: 'image/png' }));
    assert.equal(withMarkup.status, 503, JSON.stringify(withMarkup.json));
    assert.equal(withMarkup.json.error.code, 'upstream_unavailable');
    upstream.cue({ kind: 'status', status: 500 });
    const plain = await postEdit(server.baseUrl, key, parts());
    assert.equal(plain.status, 200, JSON.stringify(plain.json));
    assert.equal(plain.json.data.length, 1);
  });
});

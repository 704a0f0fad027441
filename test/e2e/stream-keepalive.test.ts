/**
 * `stream=true` behind proxies with idle timeouts: until the first event the server sends a
 * `: keepalive` SSE comment every `server.streamKeepaliveMs`, the headers go out at once, and
 * the official SDK still reads the stream as events only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { opaquePng } from '../support/images.ts';
import { buildMultipart } from '../support/multipart.ts';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';

let server: RunningServer;
let key: string;
let image: Buffer;

before(async () => {
  server = await startServer({
    config: {
      server: { streamKeepaliveMs: 200 },
      engines: { 'stand-in': { delayMs: 1_200 } },
      models: { defaultModel: 'gpt-image-1', served: [{ id: 'gpt-image-1', rules: 'gpt-image-1', engine: 'stand-in' }] },
    },
  });
  key = (await createKey(server, 'stream')).key;
  image = await opaquePng(16, 16);
});
after(async () => server?.stop());

describe('stream keepalives', () => {
  it('sends the headers at once, then keepalive comments until the first event, then none', async () => {
    const form = buildMultipart([
      { name: 'model', value: 'gpt-image-1' },
      { name: 'prompt', value: 'x' },
      { name: 'stream', value: 'true' },
      { name: 'image', filename: 'a.png', data: image, contentType: 'image/png' },
    ]);
    const startedAt = performance.now();
    const response = await fetch(`${server.baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': form.contentType },
      body: new Uint8Array(form.body),
    });
    assert.ok(performance.now() - startedAt < 1_000, 'the headers arrive before the edit ends');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const text = await response.text();
    const firstEvent = text.indexOf('event: ');
    assert.ok(firstEvent > 0, text.slice(0, 200));
    const before = text.slice(0, firstEvent);
    const keepalives = before.split(': keepalive\n\n');
    assert.ok(keepalives.length - 1 >= 3, `at least 3 keepalives in 1.2 s at 200 ms, got ${keepalives.length - 1}`);
    assert.equal(keepalives.join(''), '', 'nothing but keepalives before the first event');
    assert.ok(!text.slice(firstEvent).includes(': keepalive'), 'no keepalive after the first event');
    assert.match(text.slice(firstEvent), /^event: image_edit\.completed\ndata: \{"type":"image_edit\.completed"/);
  });

  it('the official SDK ignores them and reads the completed event', async () => {
    const client = new OpenAI({ apiKey: key, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 });
    const stream = await client.images.edit({ model: 'gpt-image-1', image: await toFile(image, 'a.png', { type: 'image/png' }), prompt: 'x', stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    assert.deepEqual(types, ['image_edit.completed']);
  });
});

/**
 * Over capacity: with one worker and no queue, concurrent edits beyond the first are answered
 * 429 with `retry-after` (the SDK retries those), and the server keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';
import { pngWithTransparentHole } from '../support/images.ts';
import { png, postEdit } from '../support/multipart.ts';

let server: RunningServer;
let key: string;

before(async () => {
  server = await startServer({ config: { engines: { local: { threads: 1, maxQueuedJobs: 0 } } } });
  key = (await createKey(server)).key;
});
after(async () => server?.stop());

it('answers 429 with retry-after when the engine queue is full', async () => {
  const image = await pngWithTransparentHole(384);
  const parts = [{ name: 'model', value: 'pixelgate-fill' }, png('image', image), { name: 'prompt', value: 'x' }];
  const responses = await Promise.all(Array.from({ length: 4 }, () => postEdit(server.baseUrl, key, parts)));
  const statuses = responses.map((response) => response.status).sort();
  assert.ok(statuses.includes(200), `statuses ${statuses}`);
  const refused = responses.filter((response) => response.status === 429);
  assert.ok(refused.length > 0, `statuses ${statuses}`);
  for (const response of refused) {
    assert.match(response.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    assert.equal(response.json.error.type, 'requests');
    assert.equal(response.json.error.code, 'rate_limit_exceeded');
    assert.match(response.json.error.message, /^The image engine is at capacity\. Please try again in \d+s\.$/);
  }
  const after = await postEdit(server.baseUrl, key, parts);
  assert.equal(after.status, 200);
});

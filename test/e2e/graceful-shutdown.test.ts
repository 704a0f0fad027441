/**
 * Issue 9: SIGTERM with an edit in flight finishes that edit, then exits 0 — even though the
 * client (like fetch and the SDK) keeps its connection alive after the response. Before, that
 * connection held the process until the grace timer forced exit code 1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pngWithTransparentHole } from '../support/images.ts';
import { png, postEdit } from '../support/multipart.ts';
import { startServer } from '../support/start-server.ts';

test('SIGTERM during an edit: the edit completes and the process exits 0 well within the grace period', async () => {
  const server = await startServer({ config: { server: { shutdownGraceMs: 10_000 } } });
  try {
    const image = await pngWithTransparentHole(1024);
    const edit = postEdit(server.baseUrl, server.adminKey, [
      { name: 'model', value: 'pixelgate-fill' },
      { name: 'prompt', value: 'fill' },
      png('image', image),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalledAt = Date.now();
    process.kill(server.pid, 'SIGTERM');
    const answer = await edit;
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    const code = await server.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - signalledAt < 8_000, `exit took ${Date.now() - signalledAt} ms`);
  } finally {
    await server.stop();
  }
});

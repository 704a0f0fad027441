/**
 * Issue 9: clients that send an edit's full `Content-Length`, part of the file, then hang up
 * (FIN), eight at a time, used to crash the process within a few hundred requests (an unhandled
 * 'error' on the spool's write stream). The server must survive them all, keep answering, and
 * leave no spooled upload behind.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { opaquePng, pngWithTransparentHole } from '../support/images.ts';
import { buildMultipart, png, postEdit } from '../support/multipart.ts';
import { createKey, startServer, type RunningServer } from '../support/start-server.ts';

/** Sends the head and the first `sentBytes` of the body, then half-closes and waits for the socket to end. */
function sendAndHangUp(baseUrl: string, key: string, contentType: string, body: Buffer, sentBytes: number): Promise<void> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST /v1/images/edits HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${key}\r\n` +
          `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      socket.end(body.subarray(0, sentBytes));
    });
    socket.on('data', () => {});
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
}

describe('clients that hang up mid-upload', () => {
  let server: RunningServer;
  let key: string;

  before(async () => {
    server = await startServer();
    key = (await createKey(server)).key;
  });
  after(async () => server.stop());

  test('400 uploads cut off by FIN, 8 at a time: the process survives and cleans its spool', async () => {
    const image = await opaquePng(512, 512, 4);
    const { body, contentType } = buildMultipart([
      { name: 'model', value: 'pixelgate-fill' },
      { name: 'prompt', value: 'fill' },
      png('image', Buffer.concat([image, Buffer.alloc(2 * 1024 * 1024, 7)])),
    ]);
    let sent = 0;
    const worker = async () => {
      while (sent < 400) {
        const index = sent++;
        // Cut anywhere from inside the part headers to deep inside the file.
        const cut = 200 + ((index * 7919) % (body.length - 400));
        await sendAndHangUp(server.baseUrl, key, contentType, body, cut);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    const health = await fetch(`${server.baseUrl}/health`);
    assert.equal(health.status, 200);
    const answer = await postEdit(server.baseUrl, key, [
      { name: 'model', value: 'pixelgate-fill' },
      { name: 'prompt', value: 'fill' },
      png('image', await pngWithTransparentHole(64)),
    ]);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));

    const uploads = path.join(server.dataDir, 'tmp', 'uploads');
    let left: string[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      left = await readdir(uploads).catch(() => []);
      if (left.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(left, [], 'spool directories left behind');
  });
});

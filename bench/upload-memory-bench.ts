/**
 * `npm run bench:uploads`: memory with many large uploads in flight. Sends C concurrent
 * multipart edits, each with a 40 MB image (a valid PNG header, then filler), to a server on
 * the stand-in engine, and reports the server's peak RSS growth against the bytes in flight:
 * a server that buffered uploads would grow by about the bytes in flight (ratio ≈ 1 or more);
 * a streaming one stays near a fixed buffer per request.
 */
import http from 'node:http';
import { decompressionBombHeader } from '../test/support/images.ts';
import { createKey, startServer } from '../test/support/start-server.ts';
import { residentMegabytes } from './load-client.ts';

const FILE_BYTES = 40 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

function upload(baseUrl: string, key: string): Promise<number> {
  const boundary = 'bench-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nbench-model\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nx\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const fileHead = decompressionBombHeader(2000, 2000);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = head.length + FILE_BYTES + tail.length;
  return new Promise((resolve, reject) => {
    const request = http.request(`${baseUrl}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(length) },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode!));
    });
    request.on('error', reject);
    request.write(head);
    let sent = 0;
    const filler = Buffer.alloc(CHUNK_BYTES, 7);
    const writeMore = () => {
      while (sent < FILE_BYTES) {
        const chunk = sent === 0 ? Buffer.concat([fileHead, filler.subarray(fileHead.length)]) : filler.subarray(0, Math.min(CHUNK_BYTES, FILE_BYTES - sent));
        sent += chunk.length;
        if (!request.write(chunk)) return request.once('drain', writeMore);
      }
      request.end(tail);
    };
    writeMore();
  });
}

const server = await startServer({
  config: { models: { served: [{ id: 'bench-model', rules: 'pixelgate-fill', engine: 'stand-in' }], defaultModel: 'bench-model' } },
  env: { LOG_LEVEL: 'warn' },
});
try {
  const { key } = await createKey(server, 'bench');
  // One upload first, so one-time costs (sharp start-up, the stand-in's cached output) are not counted.
  await upload(server.baseUrl, key);
  const idle = await residentMegabytes(server.pid, 'VmHWM');
  console.log(`server peak RSS after one warm-up upload: ${idle} MB`);
  console.log(`| concurrent uploads | MB in flight | server RSS before, MB | peak RSS, MB | peak growth / bytes in flight | statuses |`);
  console.log('|---|---|---|---|---|---|');
  for (const concurrency of [1, 16, 32]) {
    const before = await residentMegabytes(server.pid, 'VmRSS');
    const started = performance.now();
    const statuses = await Promise.all(Array.from({ length: concurrency }, () => upload(server.baseUrl, key)));
    const seconds = (performance.now() - started) / 1000;
    const peak = await residentMegabytes(server.pid, 'VmHWM');
    const inFlight = (concurrency * FILE_BYTES) / (1024 * 1024);
    console.log(`| ${concurrency} | ${inFlight} | ${before} | ${peak} | ${((peak - idle) / inFlight).toFixed(3)} | ${[...new Set(statuses)].join(',')} (${seconds.toFixed(1)} s) |`);
  }
} finally {
  await server.stop();
}

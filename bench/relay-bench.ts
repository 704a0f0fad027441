/**
 * `npm run bench:relay`: the same gpt-image-1 edits sent (a) straight to a stand-in upstream on
 * loopback and (b) through Pixelgate (relay mode, one `openai-compatible` channel) to the same
 * upstream, in one run, beside (s) Pixelgate answering the same edits on its built-in stand-in
 * engine (its own upload cost, no upstream). For 1 MB, 4 MB and 20 MB uploads at 1 and 16
 * concurrent clients it reports throughput, p50/p99 latency and the latency the relay adds;
 * then the server's peak RSS while 32 clients upload 4 MB, then 20 MB, each at once. The upstream
 * drains the body and answers at once with a fixed 8×8 PNG and usage, so every millisecond
 * beyond (a) is the relay's (multipart streaming to disk, validation, key and credit checks,
 * the upstream body streamed from disk, the response, the usage record).
 * Options: --quick (fewer requests), --json.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { buildMultipart } from '../test/support/multipart.ts';
import { measureLoad, residentMegabytes, type MeasuredLoad } from './load-client.ts';
import { createKey, startServer, type RunningServer } from '../test/support/start-server.ts';

const quick = process.argv.includes('--quick');
const megabyte = 1024 * 1024;

/** A PNG of random pixels (incompressible), as close to `targetBytes` as a square allows. */
async function noisePng(targetBytes: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(targetBytes / 3));
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
}

/** The stand-in upstream: drains the request, answers a fixed gpt-image-1 response. */
async function startStandInUpstream(): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'gray' } }).png().toBuffer();
  const answer = JSON.stringify({
    created: 1764086400,
    data: [{ b64_json: png.toString('base64') }],
    usage: { total_tokens: 1300, input_tokens: 300, output_tokens: 1000, input_tokens_details: { text_tokens: 100, image_tokens: 200 } },
  });
  const server = http.createServer((request, response) => {
    request.on('data', () => {});
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      response.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startRelay(upstreamBaseUrl: string): Promise<{ server: RunningServer; key: string }> {
  const server = await startServer({
    env: { LOG_LEVEL: 'warn' },
    config: {
      models: {
        served: [
          { id: 'dall-e-2', rules: 'dall-e-2', engine: 'stand-in' },
          { id: 'gpt-image-1', rules: 'gpt-image-1' },
          // The same rules on the built-in stand-in engine: Pixelgate's own cost without any upstream.
          { id: 'gpt-image-1-stand-in', rules: 'gpt-image-1', engine: 'stand-in' },
        ],
      },
      channels: [{ name: 'standin-upstream', type: 'openai-compatible', baseUrl: upstreamBaseUrl, apiKey: 'sk-bench', models: [{ id: 'gpt-image-1' }] }],
    },
  });
  return { server, key: (await createKey(server, 'bench')).key };
}

const upstream = await startStandInUpstream();
const rows: Array<{ uploadMb: number; clients: number; direct: MeasuredLoad; standIn: MeasuredLoad; relay: MeasuredLoad }> = [];
const rssRows: Array<{ clients: number; uploadMb: number; rssBeforeMb: number; peakRssMb: number; errors: number }> = [];
try {
  const { server, key } = await startRelay(upstream.baseUrl);
  try {
    for (const uploadMb of [1, 4, 20]) {
      const image = await noisePng(uploadMb * megabyte);
      const edit = (model: string) =>
        buildMultipart([
          { name: 'model', value: model },
          { name: 'prompt', value: 'add a red hat' },
          { name: 'image', filename: 'image.png', data: image, contentType: 'image/png' },
        ]);
      const { body, contentType } = edit('gpt-image-1');
      const local = edit('gpt-image-1-stand-in');
      for (const clients of [1, 16]) {
        const perClient = quick ? 2 : uploadMb === 20 ? 4 : 16;
        const amount = Math.max(clients * perClient, quick ? 4 : 32);
        // Warm both paths (connections, JIT) before measuring.
        await measureLoad(`${upstream.baseUrl}/images/edits`, { 'content-type': contentType }, body, clients, clients);
        await measureLoad(`${server.baseUrl}/v1/images/edits`, { authorization: `Bearer ${key}`, 'content-type': contentType }, body, clients, clients);
        await measureLoad(`${server.baseUrl}/v1/images/edits`, { authorization: `Bearer ${key}`, 'content-type': local.contentType }, local.body, clients, clients);
        const direct = await measureLoad(`${upstream.baseUrl}/images/edits`, { authorization: 'Bearer sk-bench', 'content-type': contentType }, body, clients, amount);
        const standIn = await measureLoad(`${server.baseUrl}/v1/images/edits`, { authorization: `Bearer ${key}`, 'content-type': local.contentType }, local.body, clients, amount);
        const relay = await measureLoad(`${server.baseUrl}/v1/images/edits`, { authorization: `Bearer ${key}`, 'content-type': contentType }, body, clients, amount);
        const row = { uploadMb, clients, direct, standIn, relay };
        rows.push(row);
        process.stderr.write(`${JSON.stringify(row)}\n`);
      }
    }
  } finally {
    await server.stop();
  }

  // Peak memory on a fresh server per row: 32 clients each uploading 4 MB, then 20 MB, at once.
  // If the relay held uploads in memory, the 20 MB row would grow about five times as much.
  for (const uploadMb of [4, 20]) {
    const fresh = await startRelay(upstream.baseUrl);
    try {
      const image = await noisePng(uploadMb * megabyte);
      const { body, contentType } = buildMultipart([
        { name: 'model', value: 'gpt-image-1' },
        { name: 'prompt', value: 'add a red hat' },
        { name: 'image', filename: 'image.png', data: image, contentType: 'image/png' },
      ]);
      const rssBeforeMb = await residentMegabytes(fresh.server.pid);
      const result = await measureLoad(`${fresh.server.baseUrl}/v1/images/edits`, { authorization: `Bearer ${fresh.key}`, 'content-type': contentType }, body, 32, quick ? 32 : 64);
      const row = { clients: 32, uploadMb, rssBeforeMb, peakRssMb: await residentMegabytes(fresh.server.pid), errors: result.errors };
      rssRows.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    } finally {
      await fresh.server.stop();
    }
  }
} finally {
  await upstream.close();
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ rows, rss: rssRows }, null, 2));
} else {
  console.log('\nreq/s and p50 / p99 ms: (a) direct to the upstream, (s) Pixelgate on its stand-in engine, (b) Pixelgate relaying to the upstream\n');
  console.log('| upload | clients | (a) req/s | (s) req/s | (b) req/s | (a) ms | (s) ms | (b) ms | added (b − a) ms | errors |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const { uploadMb, clients, direct, standIn, relay } of rows) {
    console.log(
      `| ${uploadMb} MB | ${clients} | ${direct.requestsPerSecond} | ${standIn.requestsPerSecond} | ${relay.requestsPerSecond} | ` +
        `${direct.p50Ms} / ${direct.p99Ms} | ${standIn.p50Ms} / ${standIn.p99Ms} | ${relay.p50Ms} / ${relay.p99Ms} | ` +
        `${relay.p50Ms - direct.p50Ms} / ${relay.p99Ms - direct.p99Ms} | ${direct.errors + standIn.errors + relay.errors} |`,
    );
  }
  for (const row of rssRows) {
    console.log(`\n${row.clients} concurrent ${row.uploadMb} MB uploads through the relay: peak RSS ${row.peakRssMb} MB (${row.rssBeforeMb} MB before; ${row.clients * row.uploadMb} MB in flight), errors ${row.errors}`);
  }
}

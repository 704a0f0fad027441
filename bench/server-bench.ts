/**
 * `npm run bench`: 1024x1024 edits (20 % hole) through the real server, side by side with the
 * built-in engine (two threads per fill, the default, and one) and with the stand-in engine that
 * answers at once, so the server's own overhead shows apart from engine time. For 1, 8 and 32 concurrent clients it reports
 * requests per second, p50/p99 latency and the server's peak RSS (a fresh server per row, so
 * each peak is that row's). Options: --quick (fewer requests), --json.
 */
import sharp from 'sharp';
import { buildMultipart } from '../test/support/multipart.ts';
import { createKey, startServer } from '../test/support/start-server.ts';
import { measureLoad, residentMegabytes } from './load-client.ts';

const SIDE = 1024;
const quick = process.argv.includes('--quick');

async function benchInputs(): Promise<{ image: Buffer; mask: Buffer }> {
  const pixels = Buffer.alloc(SIDE * SIDE * 3);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const offset = (y * SIDE + x) * 3;
      const brick = (Math.floor(y / 32) % 2 === 0 ? x : x + 32) % 64 < 60 && y % 32 < 28;
      pixels[offset] = brick ? 170 + ((x * 7 + y * 13) % 30) : 90;
      pixels[offset + 1] = brick ? 70 + ((x * 3) % 20) : 90;
      pixels[offset + 2] = brick ? 50 : 95;
    }
  }
  const maskPixels = Buffer.alloc(SIDE * SIDE * 4, 255);
  const hole = Math.round(SIDE * Math.sqrt(0.2));
  const from = Math.round((SIDE - hole) / 2);
  for (let y = from; y < from + hole; y++) for (let x = from; x < from + hole; x++) maskPixels[(y * SIDE + x) * 4 + 3] = 0;
  return {
    image: await sharp(pixels, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer(),
    mask: await sharp(maskPixels, { raw: { width: SIDE, height: SIDE, channels: 4 } }).png().toBuffer(),
  };
}

interface Row {
  engine: string;
  concurrency: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  errors: number;
}

/** `local-1`: the built-in engine with one thread per fill (`engines.local.threadsPerFill: 1`). */
type BenchEngine = 'stand-in' | 'local' | 'local-1';

async function runRow(engine: BenchEngine, concurrency: number, inputs: { image: Buffer; mask: Buffer }): Promise<Row> {
  const server = await startServer({
    config: {
      models: { served: [{ id: 'bench-model', rules: 'pixelgate-fill', engine: engine === 'stand-in' ? 'stand-in' : 'local' }], defaultModel: 'bench-model' },
      engines: { local: { maxQueuedJobs: 256, threadsPerFill: engine === 'local-1' ? 1 : 2 } },
    },
    env: { LOG_LEVEL: 'warn' },
  });
  try {
    const { key } = await createKey(server, 'bench');
    const { body, contentType } = buildMultipart([
      { name: 'model', value: 'bench-model' },
      { name: 'prompt', value: 'remove the patch' },
      { name: 'image', filename: 'image.png', data: inputs.image, contentType: 'image/png' },
      { name: 'mask', filename: 'mask.png', data: inputs.mask, contentType: 'image/png' },
    ]);
    const local = engine !== 'stand-in';
    const perClient = local ? (quick ? 1 : 2) : quick ? 20 : 100;
    const amount = Math.max(local ? 8 : 200, concurrency * perClient);
    // One edit first, unmeasured: the workers' helper threads load while the server starts.
    const headers = { authorization: `Bearer ${key}`, 'content-type': contentType };
    if (local) await measureLoad(`${server.baseUrl}/v1/images/edits`, headers, body, 1, 1);
    const result = await measureLoad(`${server.baseUrl}/v1/images/edits`, headers, body, concurrency, amount);
    return { engine, concurrency, ...result, peakRssMb: await residentMegabytes(server.pid) };
  } finally {
    await server.stop();
  }
}

const inputs = await benchInputs();
const rows: Row[] = [];
for (const concurrency of [1, 8, 32]) {
  for (const engine of ['stand-in', 'local', 'local-1'] as const) {
    const row = await runRow(engine, concurrency, inputs);
    rows.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
  }
}
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  console.log(`\n1024x1024 edits, 20 % hole, pixelgate-fill rules, b64_json (input PNG ${Math.round(inputs.image.length / 1024)} KiB)\n`);
  console.log('| engine | clients | requests | req/s | p50 ms | p99 ms | peak RSS MB | errors |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(`| ${row.engine} | ${row.concurrency} | ${row.requests} | ${row.requestsPerSecond} | ${row.p50Ms} | ${row.p99Ms} | ${row.peakRssMb} | ${row.errors} |`);
  }
  for (const concurrency of [1, 8, 32]) {
    const standIn = rows.find((row) => row.engine === 'stand-in' && row.concurrency === concurrency)!;
    const local = rows.find((row) => row.engine === 'local' && row.concurrency === concurrency)!;
    const oneThread = rows.find((row) => row.engine === 'local-1' && row.concurrency === concurrency)!;
    console.log(`clients ${concurrency}: server overhead p50 ${standIn.p50Ms} ms = ${((standIn.p50Ms / local.p50Ms) * 100).toFixed(1)} % of a built-in edit's p50 (${local.p50Ms} ms); two threads per fill vs one: p50 ${(local.p50Ms / oneThread.p50Ms).toFixed(2)}x, req/s ${(local.requestsPerSecond / oneThread.requestsPerSecond).toFixed(2)}x`);
  }
}

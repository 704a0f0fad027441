/**
 * `npm run test:fuzz`: a seeded fuzz run against the real server over raw TCP. Prints its seed
 * (`FUZZ_SEED=<n>` replays the same mix; which issued result URLs get mutated depends on timing).
 * Fails on any crash, any 5xx, any answer outside the envelope, a valid request refused, a
 * request not answered within its timeout, or a server peak RSS (VmHWM) of 1 GB or more.
 *
 * FUZZ_REQUESTS (default 1200), FUZZ_CONCURRENCY (8), FUZZ_BUDGET_MS (240000): issuing stops at
 * whichever of the count or the budget comes first.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import sharp from 'sharp';
import { createKey, startServer } from '../support/start-server.ts';
import { halfTransparentMask, pngWithTransparentHole } from '../support/images.ts';
import { parseRawResponse, type RawResponse } from '../support/raw-http.ts';
import { nextCase, type FuzzCase, type FuzzContext } from './fuzz-cases.ts';
import { judgeAnswer, mustSucceedProblem, withoutInterim } from './judge-answer.ts';
import { Random } from './random.ts';

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 0xffffffff));
const totalRequests = Number(process.env.FUZZ_REQUESTS ?? 1200);
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 8);
const budgetMs = Number(process.env.FUZZ_BUDGET_MS ?? 240_000);
const headersTimeoutMs = 2_000;
const bodyTimeoutMs = 3_000;
/** A whole request must be answered within this (edits on a loaded two-core machine included). */
const answerTimeoutMs = 120_000;
const rssLimitBytes = 1024 ** 3;

console.log(`fuzz seed ${seed} (replay: FUZZ_SEED=${seed} npm run test:fuzz), ${totalRequests} requests, concurrency ${concurrency}`);

async function texturedImage(width: number, height: number, format: 'png' | 'jpeg' | 'webp'): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let index = 0; index < width * height; index++) {
    const x = index % width;
    const y = Math.floor(index / width);
    data[index * 3] = (x * 7) % 256;
    data[index * 3 + 1] = (y * 5) % 256;
    data[index * 3 + 2] = ((x + y) * 3) % 256;
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

interface Exchange {
  readonly response: RawResponse | null;
  readonly elapsedMs: number;
  readonly timedOut: boolean;
  readonly error: string | null;
}

/** A HEAD answer has a content-length but no body: its head is the whole answer. */
function parseAnswer(raw: Buffer, elapsedMs: number, isHead: boolean): RawResponse | null {
  if (!isHead) return parseRawResponse(raw, elapsedMs);
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const head = raw.subarray(0, headEnd).toString('latin1').replace(/\r\ncontent-length:[^\r]*/gi, '');
  return parseRawResponse(Buffer.from(`${head}\r\n\r\n`, 'latin1'), elapsedMs);
}

function exchange(port: number, fuzzCase: FuzzCase, isHead: boolean): Promise<Exchange> {
  const { delivery } = fuzzCase;
  const timeoutMs =
    delivery.kind === 'whole' ? answerTimeoutMs : delivery.then === 'stall' ? headersTimeoutMs + bodyTimeoutMs + 5_000 : delivery.then === 'fin' ? 15_000 : 5_000;
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const chunks: Buffer[] = [];
    let done = false;
    let error: string | null = null;
    const socket = net.connect({ host: '127.0.0.1', port });
    const finish = (timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = withoutInterim(Buffer.concat(chunks));
      let response: RawResponse | null = null;
      try {
        response = parseAnswer(raw, performance.now() - startedAt, isHead);
      } catch (parseError) {
        error = String(parseError);
      }
      resolve({ response, elapsedMs: performance.now() - startedAt, timedOut, error });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const raw = withoutInterim(Buffer.concat(chunks));
      try {
        const response = parseAnswer(raw, 0, isHead);
        if (response && (isHead || response.headers['content-length'] !== undefined)) finish(false);
      } catch {
        finish(false);
      }
    });
    socket.on('close', () => finish(false));
    socket.on('error', (socketError: Error) => {
      error = socketError.message;
    });
    socket.on('connect', () => {
      if (delivery.kind === 'whole') socket.write(fuzzCase.bytes);
      else {
        socket.write(fuzzCase.bytes.subarray(0, delivery.at));
        if (delivery.then === 'fin') socket.end();
        else if (delivery.then === 'rst') setTimeout(() => socket.resetAndDestroy(), 20);
      }
    });
  });
}

async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** The edit fields of a multipart case, for the peak-RSS report. */
function describeCase(fuzzCase: FuzzCase): string {
  const text = fuzzCase.bytes.subarray(0, 4096).toString('latin1');
  const fields = [...text.matchAll(/name="(model|n|size|output_format|response_format)"\r\n\r\n([^\r]{0,20})/g)].map((match) => `${match[1]}=${match[2]}`);
  return `${fuzzCase.family} ${fuzzCase.bytes.length} B${fields.length > 0 ? ` ${fields.join(' ')}` : ''}`;
}

async function currentRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

async function main(): Promise<number> {
  const server = await startServer({
    config: { server: { headersTimeoutMs, bodyTimeoutMs, keepAliveTimeoutMs: 2_000 } },
  });
  let crashed: number | null | undefined;
  void server.exited.then((code) => (crashed = code));
  const port = Number(new URL(server.baseUrl).port);
  const small = { png: await texturedImage(96, 96, 'png'), jpeg: await texturedImage(96, 96, 'jpeg'), webp: await texturedImage(96, 96, 'webp') };
  const context: FuzzContext = {
    host: `127.0.0.1:${port}`,
    apiKey: (await createKey(server, 'fuzz')).key,
    adminKey: server.adminKey,
    images: { small, holed: await pngWithTransparentHole(128), large: [await pngWithTransparentHole(1024), await pngWithTransparentHole(1536)], mask: await halfTransparentMask(96, 96) },
    resultPaths: [],
  };
  const random = new Random(seed);
  const failures: string[] = [];
  const byFamily = new Map<string, Map<string, number>>();
  let issued = 0;
  let slowestMs = 0;
  const startedAt = performance.now();
  // What was in flight when the server's RSS was highest (sampled), printed at the end.
  const inFlight = new Map<number, string>();
  let sampledPeak = { rss: 0, atS: 0, cases: [] as string[] };
  const sampler = setInterval(() => {
    void currentRssBytes(server.pid).then((rss) => {
      if (rss > sampledPeak.rss) sampledPeak = { rss, atS: (performance.now() - startedAt) / 1000, cases: [...inFlight.values()] };
    });
  }, 50);

  const worker = async () => {
    while (issued < totalRequests && performance.now() - startedAt < budgetMs && crashed === undefined) {
      const number = issued++;
      const fuzzCase = nextCase(random, context);
      const isHead = fuzzCase.bytes.subarray(0, 5).toString('latin1') === 'HEAD ';
      inFlight.set(number, `#${number} ${describeCase(fuzzCase)}`);
      const result = await exchange(port, fuzzCase, isHead);
      inFlight.delete(number);
      slowestMs = Math.max(slowestMs, result.elapsedMs);
      const outcome = result.response ? String(result.response.status) : result.timedOut ? 'timeout' : 'closed';
      const counts = byFamily.get(fuzzCase.family) ?? new Map<string, number>();
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      byFamily.set(fuzzCase.family, counts);
      const label = `#${number} ${fuzzCase.family} (${fuzzCase.delivery.kind === 'cut' ? `cut at ${fuzzCase.delivery.at}, ${fuzzCase.delivery.then}` : 'whole'})`;
      if (result.response) {
        const problem = judgeAnswer(fuzzCase, result.response, isHead) ?? mustSucceedProblem(fuzzCase, result.response);
        if (problem) failures.push(`${label}: ${problem}`);
        if (fuzzCase.family.startsWith('valid') && result.response.status === 200) {
          for (const url of /"url":"([^"]+)"/g.exec(result.response.body)?.slice(1) ?? []) context.resultPaths.push(new URL(url).pathname + new URL(url).search);
        }
      } else if (result.timedOut && (fuzzCase.delivery.kind === 'whole' || fuzzCase.delivery.then === 'stall')) {
        failures.push(`${label}: no answer within its timeout`);
      } else if (fuzzCase.mustSucceed) {
        failures.push(`${label}: connection closed without an answer (${result.error ?? 'no error'})`);
      } else if (result.error?.startsWith('not an HTTP response')) {
        failures.push(`${label}: ${result.error}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(sampler);
  const elapsedS = (performance.now() - startedAt) / 1000;

  if (crashed !== undefined) failures.push(`the server exited (code ${crashed}) during the run:\n${server.stderr().slice(-3000)}\n${server.stdout().slice(-1500)}`);
  let peak = 0;
  if (crashed === undefined) {
    const health = await fetch(`${server.baseUrl}/health`).then((response) => response.status, () => 0);
    if (health !== 200) failures.push(`/health after the run answered ${health}`);
    peak = await peakRssBytes(server.pid);
    if (peak >= rssLimitBytes) failures.push(`server peak RSS ${(peak / 1024 ** 2).toFixed(0)} MB ≥ 1 GB`);
  }
  await server.stop();

  console.log(`\n${issued} requests in ${elapsedS.toFixed(1)} s; slowest answer ${(slowestMs / 1000).toFixed(1)} s; server peak RSS ${(peak / 1024 ** 2).toFixed(0)} MB`);
  console.log(`sampled peak RSS ${(sampledPeak.rss / 1024 ** 2).toFixed(0)} MB at ${sampledPeak.atS.toFixed(1)} s, in flight:`);
  for (const description of sampledPeak.cases) console.log(`    ${description}`);
  for (const [family, counts] of [...byFamily].sort()) {
    console.log(`  ${family.padEnd(18)} ${[...counts].sort().map(([outcome, count]) => `${outcome}×${count}`).join('  ')}`);
  }
  if (failures.length > 0) {
    console.log(`\n${failures.length} failure(s), seed ${seed}:`);
    for (const failure of failures.slice(0, 40)) console.log(`  ${failure}`);
    return 1;
  }
  console.log(`\nfuzz passed, seed ${seed}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

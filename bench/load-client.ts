/**
 * The benchmarks' load generator: `clients` connections each send the same request back to
 * back until `amount` have been sent; latency is per request, throughput is requests over the
 * wall-clock time of the whole row. (autocannon's `amount` mode ends on its one-second ticks,
 * which quantised short rows' throughput, so the benchmarks time their own clients.)
 */
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';

export interface MeasuredLoad {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Requests that failed or answered other than 200. */
  readonly errors: number;
}

export async function measureLoad(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  clients: number,
  amount: number,
): Promise<MeasuredLoad> {
  const agent = new Agent({ connections: clients, pipelining: 1, headersTimeout: 600_000, bodyTimeout: 600_000 });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (next < amount) {
      next += 1;
      const sent = performance.now();
      try {
        const response = await request(url, { method: 'POST', headers, body, dispatcher: agent });
        await response.body.text();
        if (response.statusCode !== 200) errors += 1;
      } catch {
        errors += 1;
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  latencies.sort((a, b) => a - b);
  const percentile = (fraction: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(fraction * latencies.length) - 1)]);
  return {
    requests: latencies.length,
    requestsPerSecond: Math.round((latencies.length / seconds) * 10) / 10,
    p50Ms: percentile(0.5),
    p99Ms: percentile(0.99),
    errors,
  };
}

/** A process's resident set, now (`VmRSS`) or its peak so far (`VmHWM`), in MB. */
export async function residentMegabytes(pid: number, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024);
}

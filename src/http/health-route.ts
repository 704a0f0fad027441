/**
 * `GET /health`: 200 while this node can serve, with the state of each backend it runs on —
 * the database (SQLite or PostgreSQL), the shared state (this process's memory, or Redis) and
 * the result storage (disk or S3). A database that does not answer makes it 503 (the node
 * cannot authenticate anyone); Redis away is `degraded` but still 200 (keys without limits are
 * served; see `sharedState.whenUnavailable`).
 */
import type { FastifyInstance } from 'fastify';

export type BackendState = 'ok' | 'down';

export interface BackendProbe {
  readonly name: 'database' | 'sharedState' | 'storage';
  /** What it is: `sqlite`, `postgresql`, `memory`, `redis`, `disk`, `s3`. */
  readonly kind: string;
  /** Answers within about a second; absent: always `ok` (in-process backends). */
  readonly check?: () => Promise<void>;
}

const probeTimeoutMs = 1_000;

async function stateOf(probe: BackendProbe): Promise<BackendState> {
  if (!probe.check) return 'ok';
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), probeTimeoutMs);
  });
  try {
    await Promise.race([probe.check(), timedOut]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealthRoute(app: FastifyInstance, probes: readonly BackendProbe[]): void {
  app.get('/health', async (_request, reply) => {
    const backends: Record<string, { kind: string; status: BackendState }> = {};
    const states = await Promise.all(probes.map(stateOf));
    probes.forEach((probe, index) => (backends[probe.name] = { kind: probe.kind, status: states[index] }));
    const databaseDown = backends.database?.status === 'down';
    const anyDown = states.includes('down');
    reply.header('cache-control', 'no-store');
    if (databaseDown) reply.code(503);
    return { status: databaseDown ? 'down' : anyDown ? 'degraded' : 'ok', backends };
  });
}

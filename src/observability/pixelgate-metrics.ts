/**
 * `PixelgateMetrics`: the Prometheus metrics `GET /metrics` serves, in one registry per server
 * (prom-client; never the global one, so two servers in a process do not mix). Counters and
 * histograms are fed where things happen — every HTTP answer, every settled edit with its
 * channel attempts; gauges read the live state when scraped — circuit state per channel, the
 * built-in engine's queue, tasks running. Labels are bounded: route patterns, model ids and
 * channel names from the configuration, statuses and failure kinds — never key or request ids.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UsageStatus } from '../accounts/usage-ledger.ts';
import type { EditUsage, ImageEngine } from '../engines/engine.ts';
import type { ChannelAttempt } from '../routing/run-routed-edit.ts';

/** One edit, as it was settled. */
export interface EditSettlement {
  readonly model: string;
  /** The channel that served it (or failed it last); null when none was tried. */
  readonly channel: string | null;
  readonly status: UsageStatus;
  readonly images: number;
  readonly usage: EditUsage | null;
  readonly costMicroUsd: number;
  readonly attempts: readonly ChannelAttempt[];
}

/** What the gauges read at scrape time. */
export interface MetricSources {
  readonly channels: () => ReadonlyArray<{ readonly name: string; readonly builtIn: boolean; readonly state: 'up' | 'failing' | 'open' }>;
  /** The built-in engines' load, by channel name. */
  readonly engineLoads: () => ReadonlyArray<{ readonly channel: string; readonly waiting: number; readonly running: number }>;
  readonly tasksRunning: () => number;
  /** Tasks per state across every node (from the database); null without async tasks. */
  readonly tasksByState: (() => Promise<Partial<Record<string, number>>>) | null;
}

const circuitStates = { up: 0, failing: 1, open: 2 } as const;

/** The load of the built-in engines (those that report one), by channel name. */
export function builtInLoads(engines: ReadonlyMap<string, ImageEngine>): Array<{ channel: string; waiting: number; running: number }> {
  const loads: Array<{ channel: string; waiting: number; running: number }> = [];
  for (const [channel, engine] of engines) {
    const load = (engine as { readonly load?: { readonly tasksAccepted: number; readonly tasksAdmitted: number } }).load;
    if (load) loads.push({ channel, waiting: Math.max(0, load.tasksAccepted - load.tasksAdmitted), running: load.tasksAdmitted });
  }
  return loads;
}
/** Seconds: from a fast built-in fill to a multi-minute high-quality upstream edit. */
const editBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 60, 120, 240, 600];

export class PixelgateMetrics {
  readonly registry = new Registry();
  readonly #sources: MetricSources;
  #builtInChannels: ReadonlySet<string> | null = null;
  readonly #requests = new Counter({ name: 'pixelgate_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status code.', labelNames: ['route', 'method', 'status'] as const, registers: [this.registry] });
  readonly #requestSeconds = new Histogram({ name: 'pixelgate_http_request_duration_seconds', help: 'Time from a request’s arrival to its answer, by route pattern and method.', labelNames: ['route', 'method'] as const, buckets: editBuckets, registers: [this.registry] });
  readonly #uploadBytes = new Counter({ name: 'pixelgate_upload_bytes_total', help: 'Request body bytes received on the edit route (as declared by Content-Length).', registers: [this.registry] });
  readonly #edits = new Counter({ name: 'pixelgate_edits_total', help: 'Edits settled, by model, serving channel and usage status.', labelNames: ['model', 'channel', 'status'] as const, registers: [this.registry] });
  readonly #images = new Counter({ name: 'pixelgate_edit_images_total', help: 'Images returned by settled edits, by model.', labelNames: ['model'] as const, registers: [this.registry] });
  readonly #tokens = new Counter({ name: 'pixelgate_edit_tokens_total', help: 'Tokens reported by upstreams, by model and kind (input, output).', labelNames: ['model', 'kind'] as const, registers: [this.registry] });
  readonly #cost = new Counter({ name: 'pixelgate_edit_cost_usd_total', help: 'Cost charged for edits, in US dollars, by model.', labelNames: ['model'] as const, registers: [this.registry] });
  readonly #attemptSeconds = new Histogram({ name: 'pixelgate_channel_attempt_duration_seconds', help: 'Time of each attempt of an edit on an upstream channel, by channel and outcome.', labelNames: ['channel', 'outcome'] as const, buckets: editBuckets, registers: [this.registry] });
  readonly #fillSeconds = new Histogram({ name: 'pixelgate_builtin_fill_duration_seconds', help: 'Time of each edit on a built-in engine channel, by channel and outcome.', labelNames: ['channel', 'outcome'] as const, buckets: editBuckets, registers: [this.registry] });
  readonly #failures = new Counter({ name: 'pixelgate_channel_failures_total', help: 'Failed attempts on a channel, by channel and reason (the engine failure kind).', labelNames: ['channel', 'reason'] as const, registers: [this.registry] });

  constructor(sources: MetricSources) {
    this.#sources = sources;
    collectDefaultMetrics({ register: this.registry, prefix: 'pixelgate_' });
    new Gauge({
      name: 'pixelgate_channel_circuit_state',
      help: 'Circuit breaker state per channel: 0 up, 1 failing (below the threshold), 2 open.',
      labelNames: ['channel'] as const,
      registers: [this.registry],
      collect() {
        for (const channel of sources.channels()) this.set({ channel: channel.name }, circuitStates[channel.state]);
      },
    });
    new Gauge({
      name: 'pixelgate_builtin_queue_depth',
      help: 'Fill tasks of the built-in engine waiting for a worker or the pixel budget.',
      labelNames: ['channel'] as const,
      registers: [this.registry],
      collect() {
        for (const load of sources.engineLoads()) this.set({ channel: load.channel }, load.waiting);
      },
    });
    new Gauge({
      name: 'pixelgate_builtin_busy_workers',
      help: 'Fill tasks of the built-in engine running now.',
      labelNames: ['channel'] as const,
      registers: [this.registry],
      collect() {
        for (const load of sources.engineLoads()) this.set({ channel: load.channel }, load.running);
      },
    });
    const tasksByState = sources.tasksByState;
    if (tasksByState) {
      new Gauge({
        name: 'pixelgate_tasks',
        help: 'Async edit tasks by state, across every node sharing the database.',
        labelNames: ['state'] as const,
        registers: [this.registry],
        async collect() {
          const counts = await tasksByState().catch(() => null);
          if (counts === null) return;
          for (const state of ['queued', 'in_progress', 'succeeded', 'failed', 'expired']) this.set({ state }, counts[state] ?? 0);
        },
      });
    }
    new Gauge({
      name: 'pixelgate_tasks_running',
      help: 'Async edit tasks (Prefer: respond-async) running on this node.',
      registers: [this.registry],
      collect() {
        this.set(sources.tasksRunning());
      },
    });
  }

  /** One HTTP answer; `route` is the matched pattern (`unmatched` when none matched). */
  requestAnswered(route: string, method: string, status: number, seconds: number): void {
    this.#requests.inc({ route, method, status: String(status) });
    this.#requestSeconds.observe({ route, method }, seconds);
  }

  uploadReceived(bytes: number): void {
    if (bytes > 0) this.#uploadBytes.inc(bytes);
  }

  editSettled(edit: EditSettlement): void {
    this.#edits.inc({ model: edit.model, channel: edit.channel ?? 'none', status: edit.status });
    if (edit.images > 0) this.#images.inc({ model: edit.model }, edit.images);
    if (edit.usage) {
      this.#tokens.inc({ model: edit.model, kind: 'input' }, edit.usage.input_tokens);
      this.#tokens.inc({ model: edit.model, kind: 'output' }, edit.usage.output_tokens);
    }
    if (edit.costMicroUsd > 0) this.#cost.inc({ model: edit.model }, edit.costMicroUsd / 1_000_000);
    this.#builtInChannels ??= new Set(this.#sources.channels().filter((channel) => channel.builtIn).map((channel) => channel.name));
    for (const attempt of edit.attempts) {
      const histogram = this.#builtInChannels.has(attempt.channel) ? this.#fillSeconds : this.#attemptSeconds;
      histogram.observe({ channel: attempt.channel, outcome: attempt.outcome }, attempt.durationMs / 1000);
      if (attempt.outcome !== 'ok') this.#failures.inc({ channel: attempt.channel, reason: attempt.outcome });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

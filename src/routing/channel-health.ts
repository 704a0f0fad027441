/**
 * Circuit breaker per channel. Retryable failures in a row open the circuit for a while (or
 * until an upstream's `retry-after` has passed, whichever is later); after that exactly one
 * request — the probe — may use the channel; its success closes the circuit, its failure opens
 * it again. Successes reset the count. State is per process and in memory.
 */
export type ChannelState = 'up' | 'failing' | 'open';

export interface ChannelHealthSnapshot {
  readonly state: ChannelState;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
  readonly lastErrorAtMs: number | null;
  readonly openUntilMs: number | null;
}

interface MutableHealth {
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorAtMs: number | null;
  openUntilMs: number | null;
  probeInFlight: boolean;
}

export interface ChannelHealthOptions {
  readonly failureThreshold: number;
  readonly openDurationMs: number;
  readonly clock: () => number;
}

/** What `acquire` granted: a normal request, a probe of an opened channel, or nothing. */
export type ChannelAdmission = 'normal' | 'probe' | 'refused';

/** Told when a circuit opens here or closes here (so other nodes can be told: `shared-state/`). */
export interface CircuitListener {
  opened(channel: string, openUntilMs: number, message: string): void;
  closed(channel: string): void;
}

export class ChannelHealth {
  readonly #byChannel = new Map<string, MutableHealth>();
  readonly #options: ChannelHealthOptions;
  #listener: CircuitListener | null = null;

  constructor(options: ChannelHealthOptions) {
    this.#options = options;
  }

  listen(listener: CircuitListener): void {
    this.#listener = listener;
  }

  /**
   * Another node's verdict: open until `openUntilMs` (kept if this node's own is later), or
   * closed (null). Not passed on to the listener again.
   */
  applyRemote(channel: string, openUntilMs: number | null, message: string | null): void {
    const health = this.#health(channel);
    if (openUntilMs === null) {
      if (health.probeInFlight) return;
      health.consecutiveFailures = 0;
      health.openUntilMs = null;
      return;
    }
    if (health.openUntilMs === null || openUntilMs > health.openUntilMs) health.openUntilMs = openUntilMs;
    if (message !== null) {
      health.lastError = message;
      health.lastErrorAtMs = this.#options.clock();
    }
  }

  #health(channel: string): MutableHealth {
    let health = this.#byChannel.get(channel);
    if (!health) {
      health = { consecutiveFailures: 0, lastError: null, lastErrorAtMs: null, openUntilMs: null, probeInFlight: false };
      this.#byChannel.set(channel, health);
    }
    return health;
  }

  /** Whether a request may go to the channel now; a granted probe must be followed by `succeeded` or `failed`. */
  acquire(channel: string): ChannelAdmission {
    const health = this.#health(channel);
    if (health.openUntilMs === null) return 'normal';
    if (this.#options.clock() < health.openUntilMs || health.probeInFlight) return 'refused';
    health.probeInFlight = true;
    return 'probe';
  }

  succeeded(channel: string): void {
    const health = this.#health(channel);
    const wasOpen = health.openUntilMs !== null;
    health.consecutiveFailures = 0;
    health.openUntilMs = null;
    health.probeInFlight = false;
    if (wasOpen) this.#listener?.closed(channel);
  }

  /** A retryable failure of the channel (never a client's bad request). */
  failed(channel: string, message: string, retryAfterMs: number | null): void {
    const health = this.#health(channel);
    const now = this.#options.clock();
    health.consecutiveFailures += 1;
    health.lastError = message;
    health.lastErrorAtMs = now;
    const wasProbe = health.probeInFlight;
    health.probeInFlight = false;
    let openUntil = health.openUntilMs !== null && health.openUntilMs > now ? health.openUntilMs : null;
    if (wasProbe || health.consecutiveFailures >= this.#options.failureThreshold) openUntil = Math.max(openUntil ?? 0, now + this.#options.openDurationMs);
    if (retryAfterMs !== null && retryAfterMs > 0) openUntil = Math.max(openUntil ?? 0, now + retryAfterMs);
    const before = health.openUntilMs;
    health.openUntilMs = openUntil ?? health.openUntilMs;
    if (health.openUntilMs !== null && health.openUntilMs !== before && health.openUntilMs > now) this.#listener?.opened(channel, health.openUntilMs, message);
  }

  /** A probe that ended without a verdict about the channel (the client's own error, a cancel). */
  released(channel: string): void {
    this.#health(channel).probeInFlight = false;
  }

  /** Milliseconds until the channel may be tried again (0 when it may be now). */
  waitMs(channel: string): number {
    const health = this.#health(channel);
    return health.openUntilMs === null ? 0 : Math.max(0, health.openUntilMs - this.#options.clock());
  }

  snapshot(channel: string): ChannelHealthSnapshot {
    const health = this.#health(channel);
    const open = health.openUntilMs !== null && (this.#options.clock() < health.openUntilMs || health.probeInFlight);
    return {
      state: open ? 'open' : health.consecutiveFailures > 0 ? 'failing' : 'up',
      consecutiveFailures: health.consecutiveFailures,
      lastError: health.lastError,
      lastErrorAtMs: health.lastErrorAtMs,
      openUntilMs: health.openUntilMs,
    };
  }
}

/**
 * The per-key limits that are about time rather than money: requests per minute (a sliding
 * window over the last 60 seconds) and edits in flight. Kept in this process's memory — one
 * server process enforces them exactly; several processes each enforce them on their own.
 * Refusals are values; the HTTP edge turns them into 429s with `retry-after`.
 */
import type { KeyLimits } from './usage-ledger.ts';

export type AdmissionOutcome =
  | { readonly admitted: true; release(): void }
  | { readonly admitted: false; readonly reason: 'requests_per_minute' | 'concurrent_edits'; readonly retryAfterMs: number };

const windowMs = 60_000;

export class KeyAdmission {
  readonly #recentStartsMs = new Map<string, number[]>();
  readonly #inFlight = new Map<string, number>();
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  admit(keyId: string, limits: KeyLimits): AdmissionOutcome {
    const now = this.#clock();
    const inFlight = this.#inFlight.get(keyId) ?? 0;
    if (limits.maxConcurrentEdits !== null && inFlight >= limits.maxConcurrentEdits) {
      return { admitted: false, reason: 'concurrent_edits', retryAfterMs: 1000 };
    }
    const starts = (this.#recentStartsMs.get(keyId) ?? []).filter((startMs) => now - startMs < windowMs);
    if (limits.requestsPerMinute !== null && starts.length >= limits.requestsPerMinute) {
      this.#recentStartsMs.set(keyId, starts);
      return { admitted: false, reason: 'requests_per_minute', retryAfterMs: Math.max(1, starts[0] + windowMs - now) };
    }
    starts.push(now);
    this.#recentStartsMs.set(keyId, starts);
    this.#inFlight.set(keyId, inFlight + 1);
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        const remaining = (this.#inFlight.get(keyId) ?? 1) - 1;
        if (remaining <= 0) this.#inFlight.delete(keyId);
        else this.#inFlight.set(keyId, remaining);
      },
    };
  }
}

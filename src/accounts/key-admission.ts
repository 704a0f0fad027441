/**
 * The per-key limits that are about time rather than money: requests per minute (a sliding
 * window over the last 60 seconds) and edits in flight, counted by an `AdmissionStore` — this
 * process's memory by default, Redis when several nodes must agree (`sharedState.redisUrl`).
 * Refusals are values; the HTTP edge turns them into 429s with `retry-after`.
 */
import type { AdmissionStore } from '../shared-state/admission-store.ts';
import type { KeyLimits } from './usage-ledger.ts';

export type AdmissionOutcome =
  | { readonly admitted: true; release(): void }
  | { readonly admitted: false; readonly reason: 'requests_per_minute' | 'concurrent_edits'; readonly retryAfterMs: number };

export class KeyAdmission {
  readonly #store: AdmissionStore;
  readonly #clock: () => number;
  readonly #onReleaseError: (error: unknown) => void;

  constructor(store: AdmissionStore, clock: () => number = Date.now, onReleaseError: (error: unknown) => void = () => {}) {
    this.#store = store;
    this.#clock = clock;
    this.#onReleaseError = onReleaseError;
  }

  async admit(keyId: string, limits: KeyLimits): Promise<AdmissionOutcome> {
    if (limits.requestsPerMinute === null && limits.maxConcurrentEdits === null) return { admitted: true, release: () => {} };
    const decision = await this.#store.tryAdmit(keyId, limits, this.#clock());
    if (!decision.admitted) return decision;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        // A release that cannot be written is made good by the ticket's lease running out.
        this.#store.release(keyId, decision.ticket).catch(this.#onReleaseError);
      },
    };
  }
}

/**
 * The per-key limits that are about time rather than money: requests per minute (a sliding
 * window over the last 60 seconds) and edits in flight, counted by an `AdmissionStore` — this
 * process's memory by default, Redis when several nodes must agree (`sharedState.redisUrl`).
 * Refusals are values; the HTTP edge turns them into 429s with `retry-after` — or, when the store
 * cannot answer, a 503 (`sharedState.whenUnavailable: closed`, the default) or an uncounted
 * admission (`open`). Keys without time limits never wait on the store.
 */
import type { AdmissionStore } from '../shared-state/admission-store.ts';
import type { KeyLimits } from './usage-ledger.ts';

export type AdmissionOutcome =
  | { readonly admitted: true; release(): void }
  | { readonly admitted: false; readonly reason: 'requests_per_minute' | 'concurrent_edits' | 'limits_unavailable'; readonly retryAfterMs: number };

/** When the store cannot answer (Redis down): refuse keys with limits (`closed`), or let them through uncounted (`open`). */
export type UnavailableStorePolicy = 'closed' | 'open';

export class KeyAdmission {
  readonly #store: AdmissionStore;
  readonly #clock: () => number;
  readonly #onReleaseError: (error: unknown) => void;

  readonly #whenUnavailable: UnavailableStorePolicy;

  constructor(store: AdmissionStore, clock: () => number = Date.now, onStoreError: (error: unknown) => void = () => {}, whenUnavailable: UnavailableStorePolicy = 'closed') {
    this.#store = store;
    this.#clock = clock;
    this.#onReleaseError = onStoreError;
    this.#whenUnavailable = whenUnavailable;
  }

  async admit(keyId: string, limits: KeyLimits): Promise<AdmissionOutcome> {
    if (limits.requestsPerMinute === null && limits.maxConcurrentEdits === null) return { admitted: true, release: () => {} };
    let decision;
    try {
      decision = await this.#store.tryAdmit(keyId, limits, this.#clock());
    } catch (error) {
      this.#onReleaseError(error);
      if (this.#whenUnavailable === 'open') return { admitted: true, release: () => {} };
      return { admitted: false, reason: 'limits_unavailable', retryAfterMs: 2000 };
    }
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

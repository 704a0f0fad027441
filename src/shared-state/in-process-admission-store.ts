/** `AdmissionStore` in this process's memory: exact for one server process. */
import { randomUUID } from 'node:crypto';
import { admissionWindowMs, type AdmissionDecision, type AdmissionLimits, type AdmissionStore } from './admission-store.ts';

export class InProcessAdmissionStore implements AdmissionStore {
  readonly #recentStartsMs = new Map<string, number[]>();
  readonly #inFlight = new Map<string, Set<string>>();

  async tryAdmit(keyId: string, limits: AdmissionLimits, nowMs: number): Promise<AdmissionDecision> {
    const inFlight = this.#inFlight.get(keyId) ?? new Set<string>();
    if (limits.maxConcurrentEdits !== null && inFlight.size >= limits.maxConcurrentEdits) {
      return { admitted: false, reason: 'concurrent_edits', retryAfterMs: 1000 };
    }
    const starts = (this.#recentStartsMs.get(keyId) ?? []).filter((startMs) => nowMs - startMs < admissionWindowMs);
    if (limits.requestsPerMinute !== null && starts.length >= limits.requestsPerMinute) {
      this.#recentStartsMs.set(keyId, starts);
      return { admitted: false, reason: 'requests_per_minute', retryAfterMs: Math.max(1, starts[0] + admissionWindowMs - nowMs) };
    }
    starts.push(nowMs);
    this.#recentStartsMs.set(keyId, starts);
    const ticket = randomUUID();
    inFlight.add(ticket);
    this.#inFlight.set(keyId, inFlight);
    return { admitted: true, ticket };
  }

  async release(keyId: string, ticket: string): Promise<void> {
    const inFlight = this.#inFlight.get(keyId);
    if (!inFlight) return;
    inFlight.delete(ticket);
    if (inFlight.size === 0) this.#inFlight.delete(keyId);
  }

  async close(): Promise<void> {}
}

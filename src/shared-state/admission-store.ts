/**
 * `AdmissionStore`: where the per-key limits about time are counted — requests started in the
 * last 60 seconds and edits in flight — behind one interface with two backends: this process's
 * memory (`InProcessAdmissionStore`, exact for one process) and Redis (`RedisAdmissionStore`,
 * exact across every node sharing it). A decision and its recording are one atomic step, so
 * concurrent requests on any nodes cannot both take the last slot.
 */
export interface AdmissionLimits {
  readonly requestsPerMinute: number | null;
  readonly maxConcurrentEdits: number | null;
}

export type AdmissionDecision =
  | { readonly admitted: true; readonly ticket: string }
  | { readonly admitted: false; readonly reason: 'requests_per_minute' | 'concurrent_edits'; readonly retryAfterMs: number };

export interface AdmissionStore {
  /** Admits and records the start (and the edit in flight, until `release`), or refuses. */
  tryAdmit(keyId: string, limits: AdmissionLimits, nowMs: number): Promise<AdmissionDecision>;
  /** Ends the edit in flight that `ticket` names (once; later calls do nothing). */
  release(keyId: string, ticket: string): Promise<void>;
  close(): Promise<void>;
}

/** The sliding window of `requestsPerMinute`. */
export const admissionWindowMs = 60_000;

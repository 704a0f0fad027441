/**
 * `LeaseKeeper`: while this node holds running tasks or idempotency records, it renews their
 * leases in the database every third of the lease, so no other node takes them for abandoned;
 * a node that dies stops renewing, and its work is recovered once the lease runs out.
 */
import type { EditRecordStore } from '../accounts/edit-record-store.ts';

export const defaultLeaseMs = 30_000;

export class LeaseKeeper {
  #held = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: EditRecordStore,
    readonly nodeId: string,
    private readonly clock: () => number,
    readonly leaseMs: number = defaultLeaseMs,
  ) {}

  /** Until when a lease taken now holds. */
  leaseUntil(): number {
    return this.clock() + this.leaseMs;
  }

  /** Keeps renewing until the returned function is called (once). */
  hold(): () => void {
    this.#held += 1;
    if (this.#timer === null) {
      this.#timer = setInterval(() => {
        this.store.renewLeases(this.nodeId, this.leaseUntil()).catch(() => {});
      }, Math.max(1, Math.floor(this.leaseMs / 3)));
      this.#timer.unref();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held -= 1;
      if (this.#held === 0 && this.#timer !== null) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    };
  }
}

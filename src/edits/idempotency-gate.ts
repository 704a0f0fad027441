/**
 * `IdempotencyGate`: a request carrying `Idempotency-Key` runs once per (API key, idempotency
 * key) within the retention window. `enter` either lets this request run (it then calls
 * `finish` with its answer, or `release` when a retry should run it again), or returns the
 * first request's answer for replay — waiting, bounded by `waitMs`, while the first still runs,
 * on this node or another (the record lives in the database). A different request under the
 * same key is refused. A first request whose node died is taken over once its lease runs out.
 */
import type { EditRecordStore, IdempotencyRecord, NewIdempotencyRecord } from '../accounts/edit-record-store.ts';
import { apiError } from '../openai/error-catalogue.ts';
import type { LeaseKeeper } from './lease-keeper.ts';
import type { StoredAnswer } from './stored-answer.ts';

export interface IdempotencyGateOptions {
  readonly store: EditRecordStore;
  /** Holds this node's running records (their owner is its node id). */
  readonly leases: LeaseKeeper;
  readonly clock: () => number;
  readonly retentionMs: number;
  readonly waitMs: number;
  readonly pollMs?: number;
}

export interface IdempotencyRequest {
  readonly scope: string;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly requestId: string;
}

export type IdempotencyEntry =
  | { readonly kind: 'run'; finish(answer: StoredAnswer): Promise<void>; release(): Promise<void> }
  | { readonly kind: 'replay'; readonly answer: StoredAnswer };

const defaultPollMs = 200;

export class IdempotencyGate {
  readonly #options: IdempotencyGateOptions;

  constructor(options: IdempotencyGateOptions) {
    this.#options = options;
  }

  async enter(request: IdempotencyRequest): Promise<IdempotencyEntry> {
    const { store, clock, waitMs } = this.#options;
    const giveUpAtMs = clock() + waitMs;
    for (;;) {
      const record = this.#newRecord(request);
      const claim = await store.claimIdempotency(record, clock());
      if (claim.kind === 'claimed') return this.#running(request);
      const existing = claim.record;
      if (existing.fingerprint !== request.fingerprint) throw apiError('idempotency_key_reused');
      if (existing.status === 'finished' && existing.answer !== null) return { kind: 'replay', answer: JSON.parse(existing.answer) as StoredAnswer };
      if (this.#abandoned(existing) && (await store.takeOverIdempotency(existing, record))) return this.#running(request);
      if (clock() >= giveUpAtMs) throw apiError('idempotency_request_in_progress', { retryAfterSeconds: 5 });
      await new Promise((resolve) => setTimeout(resolve, this.#options.pollMs ?? defaultPollMs));
    }
  }

  #abandoned(record: IdempotencyRecord): boolean {
    return record.status === 'running' && record.leaseUntilMs < this.#options.clock();
  }

  #newRecord(request: IdempotencyRequest): NewIdempotencyRecord {
    const nowMs = this.#options.clock();
    return {
      scope: request.scope,
      idempotencyKey: request.idempotencyKey,
      fingerprint: request.fingerprint,
      requestId: request.requestId,
      owner: this.#options.leases.nodeId,
      leaseUntilMs: this.#options.leases.leaseUntil(),
      createdAtMs: nowMs,
      expiresAtMs: nowMs + this.#options.retentionMs,
    };
  }

  #running(request: IdempotencyRequest): IdempotencyEntry {
    const { store } = this.#options;
    const unhold = this.#options.leases.hold();
    let ended = false;
    const end = async (action: () => Promise<unknown>) => {
      if (ended) return;
      ended = true;
      try {
        await action();
      } finally {
        unhold();
      }
    };
    return {
      kind: 'run',
      finish: (answer) => end(() => store.finishIdempotency(request.scope, request.idempotencyKey, request.requestId, JSON.stringify(answer))),
      release: () => end(() => store.releaseIdempotency(request.scope, request.idempotencyKey, request.requestId)),
    };
  }
}

/**
 * What outlives one request of an edit: async tasks (`Prefer: respond-async`) and
 * `Idempotency-Key` records. Both live in the accounts database — never in process memory —
 * so any node can answer for them and a restart loses nothing. Answers are stored as JSON text
 * (result images themselves go to the blob store; only their keys are kept here).
 *
 * A running task or record is held by its node (`owner`) until `leaseUntilMs`; the node renews
 * the leases it holds while it works (`renewLeases`). A task whose lease ran out, or whose owner
 * restarted, was interrupted: `interruptedTasks` finds it, and its finisher marks it failed and
 * releases its reservation. A running idempotency record in the same state is abandoned and
 * can be taken over by the next request carrying its key.
 */
/** `expired`: ended, kept past `expiresAtMs` without its answer (then removed). */
export type TaskStatus = 'queued' | 'in_progress' | 'succeeded' | 'failed' | 'expired';

export interface EditTask {
  readonly id: string;
  /** The key id that made it, or `@admin`; only the same scope may read it. */
  readonly scope: string;
  readonly requestId: string;
  readonly keyId: string | null;
  readonly model: string;
  readonly status: TaskStatus;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly completedAtMs: number | null;
  readonly expiresAtMs: number;
  readonly owner: string;
  readonly leaseUntilMs: number;
  readonly reservedMicroUsd: number;
  /** JSON, once the task ended. */
  readonly answer: string | null;
}

export type NewEditTask = Omit<EditTask, 'status' | 'updatedAtMs' | 'completedAtMs' | 'answer'>;

export interface IdempotencyRecord {
  readonly scope: string;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  readonly requestId: string;
  readonly status: 'running' | 'finished';
  /** JSON, once finished. */
  readonly answer: string | null;
  readonly owner: string;
  readonly leaseUntilMs: number;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
}

export type NewIdempotencyRecord = Omit<IdempotencyRecord, 'status' | 'answer'>;

/** `claimed`: this request runs; otherwise the record already there (same or other fingerprint). */
export type IdempotencyClaim = { readonly kind: 'claimed' } | { readonly kind: 'existing'; readonly record: IdempotencyRecord };

export interface EditRecordStore {
  createTask(task: NewEditTask): Promise<void>;
  /** The task, when `scope` made it; null otherwise (another key's task looks like none). */
  task(scope: string, id: string): Promise<EditTask | null>;
  /** queued → in_progress; false when the task is no longer queued. */
  startTask(id: string, nowMs: number): Promise<boolean>;
  /** Ends a queued or in-progress task once; false when it had already ended. */
  finishTask(id: string, status: 'succeeded' | 'failed', answer: string, nowMs: number): Promise<boolean>;
  /** Queued or in-progress tasks whose owner is `restartedOwner` or whose lease ran out at `nowMs`. */
  interruptedTasks(restartedOwner: string | null, nowMs: number): Promise<EditTask[]>;

  /** Inserts the record unless one exists for (scope, key); an expired one is replaced. */
  claimIdempotency(record: NewIdempotencyRecord, nowMs: number): Promise<IdempotencyClaim>;
  /**
   * Takes over a running record left by an interrupted request (its owner restarted or its
   * lease ran out): true when this request now holds it.
   */
  takeOverIdempotency(abandoned: IdempotencyRecord, record: NewIdempotencyRecord): Promise<boolean>;
  idempotency(scope: string, idempotencyKey: string): Promise<IdempotencyRecord | null>;
  /** Stores the answer of the request holding the record; false when it no longer holds it. */
  finishIdempotency(scope: string, idempotencyKey: string, requestId: string, answer: string): Promise<boolean>;
  /** Frees the key (the request failed in a way a retry should run again). */
  releaseIdempotency(scope: string, idempotencyKey: string, requestId: string): Promise<void>;

  /** How many tasks are in each state now (for the metrics). */
  countTasksByStatus(): Promise<Partial<Record<TaskStatus, number>>>;
  /** Extends every running task and record `owner` holds to `leaseUntilMs`. */
  renewLeases(owner: string, leaseUntilMs: number): Promise<void>;
  /**
   * Removes idempotency records expired at `nowMs`; marks ended tasks past their expiry
   * `expired` (answer dropped) and removes those expired for as long as they were kept.
   * Returns how many rows went.
   */
  deleteExpired(nowMs: number): Promise<number>;
}

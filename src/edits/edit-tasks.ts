/**
 * `EditTasks`: edits submitted with `Prefer: respond-async`. `submit` records the task — its
 * request already validated and its cost reserved — and runs it in the background; its answer
 * is written to the database (images to the blob store), never held in memory, so `view`
 * answers for it on any node and after a restart. A task whose process died is failed by
 * `recoverInterrupted` (its reservation released); none stays `in_progress` for ever.
 */
import { randomBytes } from 'node:crypto';
import type { EditRecordStore, EditTask } from '../accounts/edit-record-store.ts';
import type { EditBilling } from '../billing/edit-billing.ts';
import { ApiError, apiError } from '../openai/error-catalogue.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { EditRun } from './edit-run.ts';
import type { LeaseKeeper } from './lease-keeper.ts';
import { replayAnswer, storeErrorAnswer, storeImagesAnswer, type StoredAnswer } from './stored-answer.ts';
import { acceptedTask, unixSeconds, type TaskObject } from './task-object.ts';

export interface EditTasksOptions {
  readonly store: EditRecordStore;
  /** Renews the leases of the tasks this node runs; its node id owns them. */
  readonly leases: LeaseKeeper;
  readonly blobStore: BlobStore;
  readonly billing: EditBilling | null;
  readonly clock: () => number;
  /** How long a task and its images are kept after it was submitted. */
  readonly retentionMs: number;
  readonly log: { warn(fields: object, message: string): void; error(fields: object, message: string): void };
}

/** Who submitted the task, and what to free once it has ended. */
export interface TaskSubmission {
  readonly scope: string;
  readonly keyId: string | null;
  /** Where `url` results are published. */
  readonly baseUrl: string;
  /** Called once when the task has ended (the key's admission slot, spooled uploads). */
  readonly release: () => Promise<void>;
}

export class EditTasks {
  readonly #options: EditTasksOptions;
  /** Tasks running on this node, by id: never taken for interrupted while they run here. */
  readonly #running = new Map<string, Promise<void>>();
  readonly #stopping = new AbortController();

  constructor(options: EditTasksOptions) {
    this.#options = options;
  }

  /** Records the task and starts it; on a failure to record it the run is settled as failed. */
  async submit(run: EditRun, submission: TaskSubmission): Promise<TaskObject> {
    const { store, leases, clock, retentionMs } = this.#options;
    const createdAtMs = clock();
    const id = `task_${randomBytes(18).toString('base64url')}`;
    try {
      await store.createTask({
        id,
        scope: submission.scope,
        requestId: run.requestId,
        keyId: submission.keyId,
        model: run.request.model.id,
        createdAtMs,
        expiresAtMs: createdAtMs + retentionMs,
        owner: leases.nodeId,
        leaseUntilMs: leases.leaseUntil(),
        reservedMicroUsd: run.reservedMicroUsd,
      });
    } catch (error) {
      await submission.release();
      throw await run.fail(error);
    }
    const unhold = leases.hold();
    const running = this.#execute(id, run, submission.baseUrl, createdAtMs + retentionMs).finally(async () => {
      unhold();
      this.#running.delete(id);
      await submission.release().catch((error: unknown) => this.#options.log.warn({ taskId: id, err: error }, 'task clean-up failed'));
    });
    this.#running.set(id, running);
    return acceptedTask(id, createdAtMs);
  }

  /** The task as its submitter sees it; null when `scope` has no task by that id. */
  async view(scope: string, id: string): Promise<TaskObject | null> {
    const { store, blobStore, clock } = this.#options;
    const task = await store.task(scope, id);
    if (task === null) return null;
    const nowMs = clock();
    const base = acceptedTask(task.id, task.createdAtMs);
    const ended = task.completedAtMs === null ? {} : { completed_at: unixSeconds(task.completedAtMs) };
    if (task.status === 'expired' || (task.expiresAtMs <= nowMs && task.completedAtMs !== null)) return { ...base, status: 'expired', ...ended };
    if (task.status === 'queued' || task.status === 'in_progress' || task.answer === null) return { ...base, status: task.status === 'in_progress' ? 'in_progress' : 'queued' };
    const kept = { ...ended, expires_at: unixSeconds(task.expiresAtMs) };
    const replayed = await replayAnswer(JSON.parse(task.answer) as StoredAnswer, blobStore, nowMs);
    if (replayed instanceof ApiError) return { ...base, status: 'failed', ...kept, error: replayed.body.error };
    if (replayed.kind !== 'images') throw new Error(`task ${id} holds a ${replayed.kind} answer`);
    return { ...base, status: 'succeeded', ...kept, result: replayed.response };
  }

  /**
   * Fails the open tasks whose process is gone — `departedNodeIds` (earlier processes on this
   * data directory) and any whose lease ran out — and releases their reservations. Returns how
   * many it failed.
   */
  async recoverInterrupted(departedNodeIds: readonly string[] = []): Promise<number> {
    const { store, clock } = this.#options;
    const found = new Map<string, EditTask>();
    for (const owner of [null, ...departedNodeIds]) {
      for (const task of await store.interruptedTasks(owner, clock())) if (!this.#running.has(task.id)) found.set(task.id, task);
    }
    let recovered = 0;
    const answer = JSON.stringify(storeErrorAnswer(apiError('task_interrupted')));
    for (const task of found.values()) {
      // Whichever node fails it first settles it; the others see it ended.
      if (!(await store.finishTask(task.id, 'failed', answer, clock()))) continue;
      recovered += 1;
      await this.#options.billing?.abandon({ ...task, startedAtMs: task.createdAtMs });
      this.#options.log.warn({ taskId: task.id, requestId: task.requestId, owner: task.owner }, 'async task interrupted by a stopped server: failed, reservation released');
    }
    return recovered;
  }

  /** Waits (up to `timeoutMs`) for the tasks running here; those still running then are aborted. */
  async drain(timeoutMs: number): Promise<void> {
    const all = Promise.allSettled([...this.#running.values()]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([all, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.#stopping.abort();
      await all;
    }
  }

  get runningCount(): number {
    return this.#running.size;
  }

  async #execute(id: string, run: EditRun, baseUrl: string, expiresAtMs: number): Promise<void> {
    const { store, blobStore, clock, log } = this.#options;
    try {
      await store.startTask(id, clock());
      const result = await run.route({ signal: this.#stopping.signal });
      const response = await run.answer(result, baseUrl);
      const answer = await storeImagesAnswer(response, blobStore, expiresAtMs);
      // Charged before it is marked succeeded: a crash between the two fails the task, and its
      // recovery's settlement is a no-op (same request id) — never a result given for free.
      await run.succeeded();
      await store.finishTask(id, 'succeeded', JSON.stringify(answer), clock());
    } catch (error) {
      const failure = await run.fail(error);
      try {
        await store.finishTask(id, 'failed', JSON.stringify(storeErrorAnswer(failure)), clock());
      } catch (writeError) {
        log.error({ taskId: id, requestId: run.requestId, err: writeError }, 'async task outcome not written; it is failed when its lease runs out');
      }
    }
  }
}

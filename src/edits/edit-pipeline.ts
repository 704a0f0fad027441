/**
 * `EditPipeline`: the one flow every edit takes, whichever edge it came through (JSON, stream,
 * async task, CLI) — admit the key (rate and concurrency limits), parse the form against the
 * model's rules, check its `Idempotency-Key` (`idempotent`), reserve its estimated cost (model
 * allowed, credit held; `begin`), then an `EditRun` routes it, publishes its answer and settles
 * it, and the answer is parked for replay under its key. `submit` hands a reserved edit to the
 * async tasks. The edges only adapt their transport to these steps; refusals are thrown as
 * catalogue errors.
 */
import type { AdmissionOutcome, KeyAdmission } from '../accounts/key-admission.ts';
import type { KeyAccount, UsageLedger } from '../accounts/usage-ledger.ts';
import type { EditBilling, OpenCharge } from '../billing/edit-billing.ts';
import { ApiError, apiError } from '../openai/error-catalogue.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { IdempotencyGate } from './idempotency-gate.ts';
import { requestFingerprint } from './request-fingerprint.ts';
import { replayAnswer, storeAnswer, storeErrorAnswer, type EditAnswer } from './stored-answer.ts';
import type { EditTasks, TaskSubmission } from './edit-tasks.ts';
import type { TaskObject } from './task-object.ts';
import type { FormPart } from '../openai/form-parts.ts';
import type { ServedModels } from '../openai/model-directory.ts';
import { parseEditRequest, type EditRequest } from '../openai/parse-edit-request.ts';
import type { ChannelRouter } from '../routing/channel-router.ts';
import type { ResultPublisher } from '../storage/result-publisher.ts';
import { EditRun, type EditCaller, type EditObserver } from './edit-run.ts';

/** Key limits, credit and usage records; absent: every key is unlimited and nothing is recorded. */
export interface EditAccounting {
  readonly ledger: UsageLedger;
  readonly billing: EditBilling;
  readonly admission: KeyAdmission;
}

export interface EditPipelineServices {
  readonly models: ServedModels;
  readonly router: ChannelRouter;
  readonly accounting: EditAccounting | null;
  readonly publisher: ResultPublisher;
  readonly maxInputPixels: number;
  readonly clock: () => number;
  /** Fixed seed for every edit (tests); random per request when absent. */
  readonly seed?: number;
  /** Where `Idempotency-Key` records and replayed answers live; absent: the header is refused. */
  readonly idempotency: { readonly gate: IdempotencyGate; readonly blobStore: BlobStore; readonly retentionMs: number } | null;
  /** Where `Prefer: respond-async` edits run and are kept; absent: the preference is not applied. */
  readonly tasks: EditTasks | null;
  /** Told of every settled edit (metrics). */
  readonly observer?: EditObserver;
}

/** The answer to send, and whether it is a replay of an earlier request's. */
export interface IdempotentOutcome {
  readonly answer: EditAnswer;
  readonly replayed: boolean;
}

const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

/** A key's slot among its edits in flight; `release` once the edit has ended. */
export interface Admission {
  readonly account: KeyAccount | null;
  release(): void;
}

export class EditPipeline {
  readonly #services: EditPipelineServices;

  constructor(services: EditPipelineServices) {
    this.#services = services;
  }

  get models(): ServedModels {
    return this.#services.models;
  }

  /** Whether async tasks can be kept (a `Prefer: respond-async` is applied). */
  get acceptsTasks(): boolean {
    return this.#services.tasks !== null;
  }

  get tasks(): EditTasks | null {
    return this.#services.tasks;
  }

  /** Checks the key's limits (null: the admin key, unlimited); throws the 429 when over one. */
  async admit(keyId: string | null): Promise<Admission> {
    const { accounting } = this.#services;
    const account = accounting && keyId !== null ? await accounting.ledger.account(keyId) : null;
    if (!accounting || !account) return { account, release: () => {} };
    const outcome = await accounting.admission.admit(account.keyId, account.limits);
    if (!outcome.admitted) throw admissionRefusal(outcome, account);
    return { account, release: () => outcome.release() };
  }

  /** The form checked against the model's rules; throws OpenAI's 400 for what it refuses. */
  parse(parts: readonly FormPart[]): EditRequest {
    return parseEditRequest(parts, this.#services.models, this.#services.maxInputPixels);
  }

  /** Reserves the edit's cost and returns its run; throws 403/429 when the key may not spend it. */
  async begin(admission: Admission, caller: EditCaller, request: EditRequest): Promise<EditRun> {
    const startedAtMs = this.#services.clock();
    const charge = await this.#openCharge(admission.account, request, caller.requestId);
    const { router, accounting, publisher, clock, seed, observer } = this.#services;
    return new EditRun({ router, billing: accounting?.billing ?? null, publisher, clock, seed, observer }, caller, request, charge, startedAtMs);
  }

  /**
   * Reserves the edit and hands it to the async tasks: the accepted task comes back at once and
   * the edit runs in the background; `submission.release` is called when it has ended (also
   * when it is refused here).
   */
  async submit(admission: Admission, caller: EditCaller, request: EditRequest, submission: TaskSubmission): Promise<TaskObject> {
    const { tasks } = this.#services;
    if (tasks === null) throw new Error('async tasks are not configured');
    let run: EditRun;
    try {
      run = await this.begin(admission, caller, request);
    } catch (error) {
      await submission.release();
      throw error;
    }
    return tasks.submit(run, submission);
  }

  /**
   * Runs `execute` once per (scope, idempotency key): a retry with the same request gets the
   * stored answer (after waiting for the first, when it is still running), a different request
   * under the key the 400. Answers and client errors are stored for replay; a server error, a
   * 429 or a refusal before the edit ran frees the key, so the retry runs it again.
   */
  async idempotent(
    scope: string,
    idempotencyKey: string,
    request: { readonly requestId: string; readonly parts: readonly FormPart[]; readonly async: boolean },
    execute: () => Promise<EditAnswer>,
  ): Promise<IdempotentOutcome> {
    const { idempotency, clock } = this.#services;
    if (!idempotencyKeyPattern.test(idempotencyKey)) throw apiError('invalid_idempotency_key', { reason: 'expected 1 to 255 printable ASCII characters.' });
    if (idempotency === null) throw apiError('invalid_idempotency_key', { reason: 'this server keeps no idempotency records.' });
    const fingerprint = await requestFingerprint(request.parts, request.async ? 'async' : 'direct');
    const entry = await idempotency.gate.enter({ scope, idempotencyKey, fingerprint, requestId: request.requestId });
    if (entry.kind === 'replay') {
      const replayed = await replayAnswer(entry.answer, idempotency.blobStore, clock());
      if (replayed instanceof ApiError) throw replayed;
      return { answer: replayed, replayed: true };
    }
    let answer: EditAnswer;
    try {
      answer = await execute();
    } catch (error) {
      const replayable = error instanceof ApiError && error.status < 500 && error.status !== 429;
      await (replayable ? entry.finish(storeErrorAnswer(error)) : entry.release());
      throw error;
    }
    await entry.finish(await storeAnswer(answer, idempotency.blobStore, clock() + idempotency.retentionMs));
    return { answer, replayed: false };
  }

  async #openCharge(account: KeyAccount | null, request: EditRequest, requestId: string): Promise<OpenCharge | null> {
    const { accounting, router } = this.#services;
    if (!accounting) return null;
    const candidates = router.targetsFor(request.model.id).map((target) => target.channel);
    const charge = await accounting.billing.open(account, request, candidates, requestId);
    if (charge.kind === 'model_not_allowed') throw apiError('model_not_allowed', { model: request.model.id });
    if (charge.kind === 'insufficient_quota') throw apiError('insufficient_quota');
    return charge;
  }
}

function admissionRefusal(outcome: Extract<AdmissionOutcome, { admitted: false }>, account: KeyAccount): ApiError {
  const retryAfterSeconds = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
  if (outcome.reason === 'limits_unavailable') return apiError('limits_unavailable', { retryAfterSeconds });
  const reason =
    outcome.reason === 'requests_per_minute'
      ? `This API key allows ${account.limits.requestsPerMinute} requests per minute.`
      : `This API key allows ${account.limits.maxConcurrentEdits} edits in flight at once.`;
  return apiError('rate_limit_exceeded', { reason, retryAfterSeconds });
}

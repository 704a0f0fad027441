/**
 * Key limits, credit and usage: the accounting side of an edit. Money is integer
 * micro-dollars (1 USD = 1,000,000). A key's credit is held by `reserve` before an edit runs —
 * one conditional UPDATE, so two concurrent edits can never both spend the same credit — and
 * `finish` settles the actual cost (0 for a failure), returns the reservation and writes the
 * edit's usage record, in one transaction. So for every key: credit given = credit left + spent,
 * and spent = the sum of its usage records' costs.
 */
export interface KeyLimits {
  /** Null: every served model. */
  readonly allowedModels: readonly string[] | null;
  readonly requestsPerMinute: number | null;
  readonly maxConcurrentEdits: number | null;
}

export interface KeyAccount {
  readonly keyId: string;
  readonly limits: KeyLimits;
  /** Credit left; null: unlimited. */
  readonly creditMicroUsd: number | null;
  readonly reservedMicroUsd: number;
  readonly spentMicroUsd: number;
}

/**
 * `client_gone`: the edit succeeded and was charged, but its client had gone away and sent no
 * `Idempotency-Key` to fetch it again (HTTP status 499) — the operator may refund it.
 * `interrupted`: the server stopped while the edit ran (an async task recovered after a crash;
 * HTTP status 500, nothing charged). `client_closed`: older records of edits cancelled when
 * their client went away (499, nothing charged).
 */
export type UsageStatus = 'succeeded' | 'failed' | 'client_gone' | 'interrupted' | 'client_closed';

export interface UsageRecord {
  readonly requestId: string;
  /** Null for edits made with the admin key. */
  readonly keyId: string | null;
  readonly model: string;
  /** The channel that served (or last failed) the edit; null when none was tried. */
  readonly channel: string | null;
  readonly status: UsageStatus;
  readonly httpStatus: number;
  readonly latencyMs: number;
  readonly images: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly textTokens: number;
  readonly imageTokens: number;
  readonly costMicroUsd: number;
  readonly createdAtMs: number;
}

export interface UsageRecordView extends UsageRecord {
  readonly keyName: string | null;
}

export type UsageGroupBy = 'day' | 'model' | 'key';

export interface UsageSummaryRow {
  /** `YYYY-MM-DD` (UTC), a model id, or a key id (empty string for the admin key). */
  readonly group: string;
  readonly keyName: string | null;
  readonly edits: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly images: number;
  readonly costMicroUsd: number;
  /** Token totals as the upstreams reported them (0 for per-image and built-in edits). */
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface LimitsPatch {
  readonly allowedModels?: readonly string[] | null;
  readonly requestsPerMinute?: number | null;
  readonly maxConcurrentEdits?: number | null;
  readonly creditMicroUsd?: number | null;
}

/** Who holds a reservation: journaled with it, so a dead holder's reservation can be released. */
export interface ReservationHold {
  readonly requestId: string;
  readonly model: string;
  /** The node id of the process running the edit. */
  readonly owner: string;
  readonly nowMs: number;
}

export interface OpenReservation {
  readonly requestId: string;
  readonly keyId: string;
  readonly model: string;
  readonly amountMicroUsd: number;
  readonly owner: string;
  readonly createdAtMs: number;
}

export interface UsageLedger {
  /** The key's limits and balances, or null when no key has the id. */
  account(keyId: string): Promise<KeyAccount | null>;
  /** Every key's account by id. */
  accounts(): Promise<Map<string, KeyAccount>>;
  /** Changes the given fields only; false when no active key has the id. */
  updateLimits(keyId: string, patch: LimitsPatch): Promise<boolean>;
  /** Adds credit (an unlimited key gets a balance of `amount`); false when no active key has the id. */
  topUp(keyId: string, amountMicroUsd: number): Promise<boolean>;
  /** Holds `amountMicroUsd` of the key's credit; false when credit left minus held is smaller. */
  reserve(keyId: string, amountMicroUsd: number, hold?: ReservationHold): Promise<boolean>;
  /** Reservations not yet settled that `owners` (nodes that are gone) hold. */
  openReservations(owners: readonly string[]): Promise<OpenReservation[]>;
  /** Settles `record.costMicroUsd`, returns `reservedMicroUsd` and writes the record, atomically; a second call for the same request id changes nothing. */
  finish(reservedMicroUsd: number, record: UsageRecord): Promise<void>;
  summary(query: { fromMs: number; toMs: number; groupBy: UsageGroupBy }): Promise<UsageSummaryRow[]>;
  /** Newest first. */
  recentRequests(query: { limit: number; keyId?: string; model?: string }): Promise<UsageRecordView[]>;
}

/** Dollars (as the API shows them) to integer micro-dollars, rounded to the nearest. */
export function usdToMicro(usd: number): number {
  return Math.round(usd * 1_000_000);
}

export function microToUsd(micro: number): number {
  return micro / 1_000_000;
}

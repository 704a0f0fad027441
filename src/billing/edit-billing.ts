/**
 * Billing around one edit: before it runs, check the key may use the model and reserve the
 * estimated cost; when it ends, settle the actual cost (success) or nothing (failure), return
 * the reservation and write the usage record — once per edit, whatever happened, so a failed
 * or failed-over edit is never charged and no edit is charged twice. Refusals are values.
 */
import type { KeyAccount, UsageLedger, UsageRecord, UsageStatus } from '../accounts/usage-ledger.ts';
import type { EditResult } from '../engines/engine.ts';
import type { EditRequest } from '../openai/parse-edit-request.ts';
import type { PriceTable } from './price-table.ts';

export interface OpenCharge {
  readonly kind: 'open';
  readonly keyId: string | null;
  readonly reservedMicroUsd: number;
}

export type ChargeOutcome = OpenCharge | { readonly kind: 'model_not_allowed' } | { readonly kind: 'insufficient_quota' };

export interface EditEnding {
  readonly requestId: string;
  readonly request: EditRequest;
  readonly channel: { readonly name: string; readonly builtIn: boolean } | null;
  readonly status: UsageStatus;
  readonly httpStatus: number;
  readonly latencyMs: number;
  readonly result: EditResult | null;
}

/** Where a settlement that could not be written is reported (never with image bytes or keys). */
export interface SettlementLog {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Delays between retries of a settlement whose write failed: about 20 minutes in all. */
const settlementRetryDelaysMs = [200, 1_000, 5_000, 15_000, 60_000, 120_000, 300_000, 300_000, 300_000, 300_000];

export class EditBilling {
  readonly #ledger: UsageLedger;
  readonly #prices: PriceTable;
  readonly #clock: () => number;
  readonly #log: SettlementLog | null;

  readonly #nodeId: string;

  /** `nodeId`: this process, journaled with each reservation it holds (see `releaseDeparted`). */
  constructor(ledger: UsageLedger, prices: PriceTable, clock: () => number, log: SettlementLog | null = null, nodeId = 'node_unnamed') {
    this.#ledger = ledger;
    this.#prices = prices;
    this.#clock = clock;
    this.#log = log;
    this.#nodeId = nodeId;
  }

  /** `account` is null for the admin key: no limits, nothing reserved, usage still recorded. */
  async open(account: KeyAccount | null, request: EditRequest, candidateChannels: readonly { readonly builtIn: boolean }[], requestId: string): Promise<ChargeOutcome> {
    if (account === null) return { kind: 'open', keyId: null, reservedMicroUsd: 0 };
    const allowed = account.limits.allowedModels;
    if (allowed !== null && !allowed.includes(request.model.id)) return { kind: 'model_not_allowed' };
    const estimate = this.#prices.estimateMicroUsd(
      {
        model: request.model.id,
        size: request.size ? `${request.size.width}x${request.size.height}` : null,
        n: request.n,
        inputImages: request.images.length + (request.mask ? 1 : 0),
        promptBytes: Buffer.byteLength(request.prompt, 'utf8'),
        partialImages: request.stream ? request.partialImages : 0,
      },
      [...candidateChannels],
    );
    // Unlimited credit: nothing to hold, and one database write fewer on the request path.
    if (account.creditMicroUsd === null) return { kind: 'open', keyId: account.keyId, reservedMicroUsd: 0 };
    const hold = { requestId, model: request.model.id, owner: this.#nodeId, nowMs: this.#clock() };
    if (!(await this.#ledger.reserve(account.keyId, estimate, hold))) return { kind: 'insufficient_quota' };
    return { kind: 'open', keyId: account.keyId, reservedMicroUsd: estimate };
  }

  /**
   * Settles and records; returns the cost charged in micro-dollars. Never throws for a failed
   * write: the edit's answer (often a result the upstream was paid for) must still reach the
   * client, so the settlement is retried in the background — the ledger's `finish` is
   * idempotent by request id — until it is written, and the reservation released with it.
   */
  async close(charge: OpenCharge, ending: EditEnding): Promise<number> {
    const { result, request } = ending;
    // A result delivered to nobody (`client_gone`) was still made, and paid for upstream.
    const succeeded = (ending.status === 'succeeded' || ending.status === 'client_gone') && result !== null;
    const first = result?.images[0];
    const cost =
      succeeded && ending.channel && first
        ? this.#prices.actualMicroUsd({
            model: request.model.id,
            size: `${first.width}x${first.height}`,
            images: result.images.length,
            usage: result.usage,
            builtIn: ending.channel.builtIn,
          })
        : 0;
    if (charge.reservedMicroUsd > 0 && cost > charge.reservedMicroUsd) {
      // Charged in full all the same: the balance may go below zero by this much (docs/relay.md).
      this.#log?.warn(
        { requestId: ending.requestId, keyId: charge.keyId, costMicroUsd: cost, reservedMicroUsd: charge.reservedMicroUsd },
        'edit cost more than its reservation; raise estimatedOutputTokensPerImage or estimatedInputTokensPerImage for this model',
      );
    }
    const usage = succeeded ? result.usage : null;
    const record: UsageRecord = {
      requestId: ending.requestId,
      keyId: charge.keyId,
      model: request.model.id,
      channel: ending.channel?.name ?? null,
      status: ending.status,
      httpStatus: ending.httpStatus,
      latencyMs: ending.latencyMs,
      images: succeeded ? result.images.length : 0,
      inputTokens: usage?.input_tokens ?? 0,
      outputTokens: usage?.output_tokens ?? 0,
      textTokens: usage?.input_tokens_details.text_tokens ?? 0,
      imageTokens: usage?.input_tokens_details.image_tokens ?? 0,
      costMicroUsd: cost,
      createdAtMs: this.#clock(),
    };
    try {
      await this.#ledger.finish(charge.reservedMicroUsd, record);
    } catch (error) {
      this.#log?.warn({ requestId: record.requestId, err: error }, 'usage record not written; retrying in the background');
      this.#retryInBackground(charge.reservedMicroUsd, record);
    }
    return cost;
  }

  /**
   * Settles an edit whose process stopped before it ended (an async task found interrupted):
   * nothing charged, the reservation returned, an `interrupted` record written. Idempotent by
   * request id, so an edit that did settle before its process died keeps that settlement.
   */
  async abandon(edit: { readonly requestId: string; readonly keyId: string | null; readonly model: string; readonly reservedMicroUsd: number; readonly startedAtMs: number }): Promise<void> {
    const nowMs = this.#clock();
    await this.#ledger.finish(edit.reservedMicroUsd, {
      requestId: edit.requestId,
      keyId: edit.keyId,
      model: edit.model,
      channel: null,
      status: 'interrupted',
      httpStatus: 500,
      latencyMs: Math.max(0, nowMs - edit.startedAtMs),
      images: 0,
      inputTokens: 0,
      outputTokens: 0,
      textTokens: 0,
      imageTokens: 0,
      costMicroUsd: 0,
      createdAtMs: nowMs,
    });
  }

  /**
   * Releases the reservations still held by processes that are gone (`owners`: their node ids),
   * each settled as `interrupted`; returns how many. An edit settled meanwhile is left as it is.
   */
  async releaseDeparted(owners: readonly string[]): Promise<number> {
    const open = await this.#ledger.openReservations(owners);
    for (const reservation of open) {
      await this.abandon({ ...reservation, reservedMicroUsd: reservation.amountMicroUsd, startedAtMs: reservation.createdAtMs });
      this.#log?.warn({ requestId: reservation.requestId, keyId: reservation.keyId, owner: reservation.owner }, 'reservation of a stopped server released');
    }
    return open.length;
  }

  #retryInBackground(reservedMicroUsd: number, record: UsageRecord): void {
    void (async () => {
      for (const delayMs of settlementRetryDelaysMs) {
        await new Promise<void>((resolve) => setTimeout(resolve, delayMs).unref());
        try {
          await this.#ledger.finish(reservedMicroUsd, record);
          this.#log?.warn({ requestId: record.requestId }, 'usage record written after a retry');
          return;
        } catch {
          // keep trying until the delays run out
        }
      }
      this.#log?.error(
        { requestId: record.requestId, keyId: record.keyId, costMicroUsd: record.costMicroUsd, reservedMicroUsd },
        'usage record could not be written; settle it by hand',
      );
    })();
  }
}

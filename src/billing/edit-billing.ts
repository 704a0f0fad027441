/**
 * Billing around one edit: before it runs, check the key may use the model and reserve the
 * estimated cost; when it ends, settle the actual cost (success) or nothing (failure), return
 * the reservation and write the usage record — once per edit, whatever happened, so a failed
 * or failed-over edit is never charged and no edit is charged twice. Refusals are values.
 */
import type { KeyAccount, UsageLedger, UsageStatus } from '../accounts/usage-ledger.ts';
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

export class EditBilling {
  readonly #ledger: UsageLedger;
  readonly #prices: PriceTable;
  readonly #clock: () => number;

  constructor(ledger: UsageLedger, prices: PriceTable, clock: () => number) {
    this.#ledger = ledger;
    this.#prices = prices;
    this.#clock = clock;
  }

  /** `account` is null for the admin key: no limits, nothing reserved, usage still recorded. */
  async open(account: KeyAccount | null, request: EditRequest, candidateChannels: readonly { readonly builtIn: boolean }[]): Promise<ChargeOutcome> {
    if (account === null) return { kind: 'open', keyId: null, reservedMicroUsd: 0 };
    const allowed = account.limits.allowedModels;
    if (allowed !== null && !allowed.includes(request.model.id)) return { kind: 'model_not_allowed' };
    const estimate = this.#prices.estimateMicroUsd(
      {
        model: request.model.id,
        size: request.size ? `${request.size.width}x${request.size.height}` : null,
        n: request.n,
        inputImages: request.images.length,
        promptCharacters: request.prompt.length,
      },
      [...candidateChannels],
    );
    // Unlimited credit: nothing to hold, and one database write fewer on the request path.
    if (account.creditMicroUsd === null) return { kind: 'open', keyId: account.keyId, reservedMicroUsd: 0 };
    if (!(await this.#ledger.reserve(account.keyId, estimate))) return { kind: 'insufficient_quota' };
    return { kind: 'open', keyId: account.keyId, reservedMicroUsd: estimate };
  }

  /** Settles and records; returns the cost charged in micro-dollars. */
  async close(charge: OpenCharge, ending: EditEnding): Promise<number> {
    const { result, request } = ending;
    const succeeded = ending.status === 'succeeded' && result !== null;
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
    const usage = succeeded ? result.usage : null;
    await this.#ledger.finish(charge.reservedMicroUsd, {
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
    });
    return cost;
  }
}

/**
 * `UsageLedger` over the accounts database; the same SQL on SQLite and PostgreSQL. Sums come
 * back as strings from PostgreSQL (`numeric`), so every aggregate goes through `Number`.
 */
import { sql, type Selectable } from 'kysely';
import type { Database } from './database.ts';
import type { ApiKeysTable } from './database-schema.ts';
import type { KeyAccount, LimitsPatch, OpenReservation, ReservationHold, UsageGroupBy, UsageLedger, UsageRecord, UsageRecordView, UsageSummaryRow } from './usage-ledger.ts';

const dayMs = 86_400_000;

type AccountColumns = Pick<
  Selectable<ApiKeysTable>,
  'id' | 'allowed_models' | 'requests_per_minute' | 'max_concurrent_edits' | 'credit_micro_usd' | 'reserved_micro_usd' | 'spent_micro_usd'
>;

function toAccount(row: AccountColumns): KeyAccount {
  return {
    keyId: row.id,
    limits: {
      allowedModels: row.allowed_models === null ? null : (JSON.parse(row.allowed_models) as string[]),
      requestsPerMinute: row.requests_per_minute === null ? null : Number(row.requests_per_minute),
      maxConcurrentEdits: row.max_concurrent_edits === null ? null : Number(row.max_concurrent_edits),
    },
    creditMicroUsd: row.credit_micro_usd === null ? null : Number(row.credit_micro_usd),
    reservedMicroUsd: Number(row.reserved_micro_usd),
    spentMicroUsd: Number(row.spent_micro_usd),
  };
}

const accountColumns = ['id', 'allowed_models', 'requests_per_minute', 'max_concurrent_edits', 'credit_micro_usd', 'reserved_micro_usd', 'spent_micro_usd'] as const;

export class SqlUsageLedger implements UsageLedger {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  async account(keyId: string): Promise<KeyAccount | null> {
    const row = await this.#database.db.selectFrom('api_keys').select(accountColumns).where('id', '=', keyId).executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  async accounts(): Promise<Map<string, KeyAccount>> {
    const rows = await this.#database.db.selectFrom('api_keys').select(accountColumns).execute();
    return new Map(rows.map((row) => [row.id, toAccount(row)]));
  }

  async updateLimits(keyId: string, patch: LimitsPatch): Promise<boolean> {
    const changes: Record<string, string | number | null> = {};
    if (patch.allowedModels !== undefined) changes.allowed_models = patch.allowedModels === null ? null : JSON.stringify(patch.allowedModels);
    if (patch.requestsPerMinute !== undefined) changes.requests_per_minute = patch.requestsPerMinute;
    if (patch.maxConcurrentEdits !== undefined) changes.max_concurrent_edits = patch.maxConcurrentEdits;
    if (patch.creditMicroUsd !== undefined) changes.credit_micro_usd = patch.creditMicroUsd;
    const query = this.#database.db.updateTable('api_keys').where('id', '=', keyId).where('revoked_at_ms', 'is', null);
    if (Object.keys(changes).length === 0) {
      return (await this.#database.db.selectFrom('api_keys').select('id').where('id', '=', keyId).where('revoked_at_ms', 'is', null).executeTakeFirst()) !== undefined;
    }
    const result = await query.set(changes).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async topUp(keyId: string, amountMicroUsd: number): Promise<boolean> {
    const result = await this.#database.db
      .updateTable('api_keys')
      .set({ credit_micro_usd: sql`coalesce(credit_micro_usd, 0) + ${amountMicroUsd}` })
      .where('id', '=', keyId)
      .where('revoked_at_ms', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async reserve(keyId: string, amountMicroUsd: number, hold?: ReservationHold): Promise<boolean> {
    return this.#database.db.transaction().execute(async (transaction) => {
      const result = await transaction
        .updateTable('api_keys')
        .set({ reserved_micro_usd: sql`reserved_micro_usd + ${amountMicroUsd}` })
        .where('id', '=', keyId)
        .where((where) => where.or([where('credit_micro_usd', 'is', null), where(sql`credit_micro_usd - reserved_micro_usd`, '>=', amountMicroUsd)]))
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      if (hold) {
        await transaction
          .insertInto('open_reservations')
          .values({ request_id: hold.requestId, key_id: keyId, model: hold.model, amount_micro_usd: amountMicroUsd, owner: hold.owner, created_at_ms: hold.nowMs })
          .execute();
      }
      return true;
    });
  }

  async openReservations(owners: readonly string[]): Promise<OpenReservation[]> {
    if (owners.length === 0) return [];
    const rows = await this.#database.db.selectFrom('open_reservations').selectAll().where('owner', 'in', [...owners]).orderBy('created_at_ms').execute();
    return rows.map((row) => ({
      requestId: row.request_id,
      keyId: row.key_id,
      model: row.model,
      amountMicroUsd: Number(row.amount_micro_usd),
      owner: row.owner,
      createdAtMs: Number(row.created_at_ms),
    }));
  }

  /**
   * Idempotent by request id: the record is inserted first (nothing happens on a conflict), and
   * the balances move only when this call inserted it, so a retried settlement is never applied
   * twice.
   */
  async finish(reservedMicroUsd: number, record: UsageRecord): Promise<void> {
    await this.#database.db.transaction().execute(async (transaction) => {
      const inserted = await transaction
        .insertInto('usage_records')
        .values({
          request_id: record.requestId,
          key_id: record.keyId,
          model: record.model,
          channel: record.channel,
          status: record.status,
          http_status: record.httpStatus,
          latency_ms: record.latencyMs,
          images: record.images,
          input_tokens: record.inputTokens,
          output_tokens: record.outputTokens,
          text_tokens: record.textTokens,
          image_tokens: record.imageTokens,
          cost_micro_usd: record.costMicroUsd,
          created_at_ms: record.createdAtMs,
        })
        .onConflict((conflict) => conflict.column('request_id').doNothing())
        .executeTakeFirst();
      await transaction.deleteFrom('open_reservations').where('request_id', '=', record.requestId).execute();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0 || record.keyId === null) return;
      await transaction
        .updateTable('api_keys')
        .set({
          reserved_micro_usd: sql`reserved_micro_usd - ${reservedMicroUsd}`,
          credit_micro_usd: sql`credit_micro_usd - ${record.costMicroUsd}`,
          spent_micro_usd: sql`spent_micro_usd + ${record.costMicroUsd}`,
        })
        .where('id', '=', record.keyId)
        .execute();
    });
  }

  async summary(query: { fromMs: number; toMs: number; groupBy: UsageGroupBy }): Promise<UsageSummaryRow[]> {
    const groupExpression =
      query.groupBy === 'day'
        ? sql<string>`cast(usage_records.created_at_ms / ${sql.lit(dayMs)} as text)`
        : query.groupBy === 'model'
          ? sql<string>`usage_records.model`
          : sql<string>`coalesce(usage_records.key_id, '')`;
    const rows = await this.#database.db
      .selectFrom('usage_records')
      .leftJoin('api_keys', 'api_keys.id', 'usage_records.key_id')
      .select([
        groupExpression.as('grouping'),
        sql<string | null>`max(api_keys.name)`.as('key_name'),
        sql<number>`count(*)`.as('edits'),
        // An edit whose client had gone still succeeded (and was charged).
        sql<number>`sum(case when usage_records.status in ('succeeded', 'client_gone') then 1 else 0 end)`.as('succeeded'),
        sql<number>`sum(usage_records.images)`.as('images'),
        sql<number>`sum(usage_records.cost_micro_usd)`.as('cost'),
        sql<number>`sum(usage_records.input_tokens)`.as('input_tokens'),
        sql<number>`sum(usage_records.output_tokens)`.as('output_tokens'),
      ])
      .where('usage_records.created_at_ms', '>=', query.fromMs)
      .where('usage_records.created_at_ms', '<', query.toMs)
      .groupBy(groupExpression)
      .orderBy(groupExpression)
      .execute();
    return rows.map((row) => {
      const edits = Number(row.edits);
      const succeeded = Number(row.succeeded);
      return {
        group: query.groupBy === 'day' ? new Date(Number(row.grouping) * dayMs).toISOString().slice(0, 10) : String(row.grouping),
        keyName: row.key_name ?? null,
        edits,
        succeeded,
        failed: edits - succeeded,
        images: Number(row.images),
        costMicroUsd: Number(row.cost),
        inputTokens: Number(row.input_tokens),
        outputTokens: Number(row.output_tokens),
      };
    });
  }

  async recentRequests(query: { limit: number; keyId?: string; model?: string }): Promise<UsageRecordView[]> {
    let select = this.#database.db
      .selectFrom('usage_records')
      .leftJoin('api_keys', 'api_keys.id', 'usage_records.key_id')
      .selectAll('usage_records')
      .select('api_keys.name as key_name');
    if (query.keyId !== undefined) select = select.where('usage_records.key_id', '=', query.keyId);
    if (query.model !== undefined) select = select.where('usage_records.model', '=', query.model);
    const rows = await select.orderBy('usage_records.created_at_ms', 'desc').orderBy('usage_records.request_id', 'desc').limit(query.limit).execute();
    return rows.map((row) => ({
      requestId: row.request_id,
      keyId: row.key_id,
      keyName: row.key_name ?? null,
      model: row.model,
      channel: row.channel,
      status: row.status as UsageRecord['status'],
      httpStatus: Number(row.http_status),
      latencyMs: Number(row.latency_ms),
      images: Number(row.images),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      textTokens: Number(row.text_tokens),
      imageTokens: Number(row.image_tokens),
      costMicroUsd: Number(row.cost_micro_usd),
      createdAtMs: Number(row.created_at_ms),
    }));
  }
}

/**
 * Usage for the admin API (admin key only, declared in route-access.ts):
 *  - `GET /admin/usage/summary?from=<ISO>&to=<ISO>&group_by=day|model|key` — totals per group
 *    over `[from, to)`; `from` defaults to 30 days before `to`, `to` to now.
 *  - `GET /admin/usage/requests?limit=50&key_id=&model=` — the latest edits, newest first.
 * Money in US dollars; edits made with the admin key have `key_id` null (group `""` by key).
 */
import type { FastifyInstance } from 'fastify';
import { microToUsd, type UsageGroupBy, type UsageLedger } from '../accounts/usage-ledger.ts';
import { apiError } from '../openai/error-catalogue.ts';

const groupings: readonly UsageGroupBy[] = ['day', 'model', 'key'];
const defaultRangeMs = 30 * 86_400_000;

function readInstant(value: unknown, param: string, fallbackMs: number): number {
  if (value === undefined || value === '') return fallbackMs;
  const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(parsed)) throw apiError('invalid_admin_request', { param, reason: `Invalid '${param}': expected an ISO 8601 date or time.` });
  return parsed;
}

export function registerAdminUsageRoute(app: FastifyInstance, ledger: UsageLedger, clock: () => number): void {
  app.get('/admin/usage/summary', async (request) => {
    const query = request.query as Record<string, unknown>;
    const groupBy = (query.group_by ?? 'day') as UsageGroupBy;
    if (!groupings.includes(groupBy)) {
      throw apiError('invalid_admin_request', { param: 'group_by', reason: "Invalid 'group_by': expected 'day', 'model' or 'key'." });
    }
    const toMs = readInstant(query.to, 'to', clock());
    const fromMs = readInstant(query.from, 'from', toMs - defaultRangeMs);
    const rows = await ledger.summary({ fromMs, toMs, groupBy });
    return {
      object: 'list',
      group_by: groupBy,
      data: rows.map((row) => ({
        group: row.group,
        ...(groupBy === 'key' ? { key_name: row.keyName ?? (row.group === '' ? 'admin' : '') } : {}),
        edits: row.edits,
        succeeded: row.succeeded,
        failed: row.failed,
        images: row.images,
        input_tokens: row.inputTokens,
        output_tokens: row.outputTokens,
        cost_usd: microToUsd(row.costMicroUsd),
      })),
    };
  });

  app.get('/admin/usage/requests', async (request) => {
    const query = request.query as Record<string, unknown>;
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw apiError('invalid_admin_request', { param: 'limit', reason: "Invalid 'limit': expected an integer from 1 to 1000." });
    }
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
    const rows = await ledger.recentRequests({ limit, keyId: text(query.key_id), model: text(query.model) });
    return {
      object: 'list',
      data: rows.map((row) => ({
        request_id: row.requestId,
        created_at: new Date(row.createdAtMs).toISOString(),
        key_id: row.keyId,
        key_name: row.keyName,
        model: row.model,
        channel: row.channel,
        status: row.status,
        http_status: row.httpStatus,
        latency_ms: row.latencyMs,
        images: row.images,
        // As the upstream reported them, to reconcile against its bill (OpenAI's usage shape).
        input_tokens: row.inputTokens,
        output_tokens: row.outputTokens,
        input_tokens_details: { text_tokens: row.textTokens, image_tokens: row.imageTokens },
        cost_usd: microToUsd(row.costMicroUsd),
      })),
    };
  });
}

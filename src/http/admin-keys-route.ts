/**
 * The admin key API: `POST /admin/keys` (201, the secret shown only in this answer),
 * `GET /admin/keys`, `PATCH /admin/keys/:id` (limits), `POST /admin/keys/:id/credit` (top-up),
 * `DELETE /admin/keys/:id` (revokes; effective on the next request). Only the admin key may
 * call these (checked by the `/admin` auth hook). Money is shown in US dollars.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiKeyRecord, KeyStore } from '../accounts/key-store.ts';
import { microToUsd, usdToMicro, type KeyAccount, type LimitsPatch, type UsageLedger } from '../accounts/usage-ledger.ts';
import { apiError } from '../openai/error-catalogue.ts';

function isoOrNull(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

export function presentKey(record: ApiKeyRecord, account: KeyAccount | null = null) {
  return {
    id: record.id,
    object: 'api_key',
    name: record.name,
    prefix: record.prefix,
    created_at: isoOrNull(record.createdAtMs),
    last_used_at: isoOrNull(record.lastUsedAtMs),
    revoked_at: isoOrNull(record.revokedAtMs),
    status: record.revokedAtMs === null ? 'active' : 'revoked',
    limits: {
      allowed_models: account?.limits.allowedModels ? [...account.limits.allowedModels] : null,
      requests_per_minute: account?.limits.requestsPerMinute ?? null,
      max_concurrent_edits: account?.limits.maxConcurrentEdits ?? null,
    },
    credit_usd: account?.creditMicroUsd == null ? null : microToUsd(account.creditMicroUsd),
    spent_usd: microToUsd(account?.spentMicroUsd ?? 0),
    /** Credit held by edits still in flight (their worst-case estimate until each settles). */
    reserved_usd: microToUsd(account?.reservedMicroUsd ?? 0),
  };
}

function bodyObject(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function readName(body: unknown): string {
  const name = bodyObject(body).name;
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100) {
    throw apiError('invalid_admin_request', { param: 'name', reason: "Invalid 'name': expected a string of 1 to 100 characters." });
  }
  return name.trim();
}

function positiveIntegerOrNull(body: Record<string, unknown>, param: string): number | null | undefined {
  const value = body[param];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1_000_000) {
    throw apiError('invalid_admin_request', { param, reason: `Invalid '${param}': expected null or an integer from 1 to 1000000.` });
  }
  return value;
}

/** The limit fields of a create or patch body; absent fields stay as they are. */
function readLimits(body: unknown, servedModelIds: readonly string[]): LimitsPatch {
  const fields = bodyObject(body);
  const patch: { -readonly [Field in keyof LimitsPatch]: LimitsPatch[Field] } = {};
  const models = fields.allowed_models;
  if (models !== undefined) {
    const valid = models === null || (Array.isArray(models) && models.every((model) => typeof model === 'string' && servedModelIds.includes(model)));
    if (!valid) {
      throw apiError('invalid_admin_request', {
        param: 'allowed_models',
        reason: `Invalid 'allowed_models': expected null or an array of served model ids (${servedModelIds.join(', ')}).`,
      });
    }
    patch.allowedModels = models as string[] | null;
  }
  patch.requestsPerMinute = positiveIntegerOrNull(fields, 'requests_per_minute');
  patch.maxConcurrentEdits = positiveIntegerOrNull(fields, 'max_concurrent_edits');
  const credit = fields.credit_usd;
  if (credit !== undefined) {
    if (credit !== null && (typeof credit !== 'number' || !Number.isFinite(credit) || credit < 0 || credit > 1e9)) {
      throw apiError('invalid_admin_request', { param: 'credit_usd', reason: "Invalid 'credit_usd': expected null (unlimited) or a number of dollars >= 0." });
    }
    patch.creditMicroUsd = credit === null ? null : usdToMicro(credit);
  }
  for (const key of Object.keys(patch) as Array<keyof LimitsPatch>) if (patch[key] === undefined) delete patch[key];
  return patch;
}

export function registerAdminKeysRoute(app: FastifyInstance, keyStore: KeyStore, ledger: UsageLedger | null = null, servedModelIds: readonly string[] = []): void {
  async function presentById(id: string) {
    const record = (await keyStore.list()).find((candidate) => candidate.id === id);
    if (!record) throw apiError('key_not_found', { id });
    return presentKey(record, ledger ? await ledger.account(id) : null);
  }

  app.post('/admin/keys', async (request, reply) => {
    const name = readName(request.body);
    const limits = readLimits(request.body, servedModelIds);
    const created = await keyStore.create({ name });
    if (ledger && Object.keys(limits).length > 0) await ledger.updateLimits(created.record.id, limits);
    const account = ledger ? await ledger.account(created.record.id) : null;
    return reply.code(201).send({ ...presentKey(created.record, account), key: created.key });
  });

  app.get('/admin/keys', async () => {
    const accounts = ledger ? await ledger.accounts() : new Map<string, KeyAccount>();
    return { object: 'list', data: (await keyStore.list()).map((record) => presentKey(record, accounts.get(record.id) ?? null)) };
  });

  app.patch('/admin/keys/:id', async (request) => {
    const { id } = request.params as { id: string };
    const limits = readLimits(request.body, servedModelIds);
    if (!ledger || !(await ledger.updateLimits(id, limits))) throw apiError('key_not_found', { id });
    return presentById(id);
  });

  app.post('/admin/keys/:id/credit', async (request) => {
    const { id } = request.params as { id: string };
    const amount = bodyObject(request.body).amount_usd;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0 || amount > 1e9) {
      throw apiError('invalid_admin_request', { param: 'amount_usd', reason: "Invalid 'amount_usd': expected a positive number of dollars." });
    }
    if (!ledger || !(await ledger.topUp(id, usdToMicro(amount)))) throw apiError('key_not_found', { id });
    return presentById(id);
  });

  app.delete('/admin/keys/:id', async (request) => {
    const { id } = request.params as { id: string };
    if (!(await keyStore.revoke(id))) throw apiError('key_not_found', { id });
    return { id, object: 'api_key', revoked: true };
  });
}

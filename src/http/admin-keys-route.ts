/**
 * The admin key API: `POST /admin/keys` (201, the secret shown only in this answer),
 * `GET /admin/keys`, `DELETE /admin/keys/:id` (revokes; effective on the next request).
 * Only the admin key may call these (checked by the `/admin` auth hook).
 */
import type { FastifyInstance } from 'fastify';
import type { ApiKeyRecord, KeyStore } from '../accounts/key-store.ts';
import { apiError } from '../openai/error-catalogue.ts';

function isoOrNull(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

export function presentKey(record: ApiKeyRecord) {
  return {
    id: record.id,
    object: 'api_key',
    name: record.name,
    prefix: record.prefix,
    created_at: isoOrNull(record.createdAtMs),
    last_used_at: isoOrNull(record.lastUsedAtMs),
    revoked_at: isoOrNull(record.revokedAtMs),
    status: record.revokedAtMs === null ? 'active' : 'revoked',
  };
}

function readName(body: unknown): string {
  const name = body && typeof body === 'object' ? (body as Record<string, unknown>).name : undefined;
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100) {
    throw apiError('invalid_admin_request', { param: 'name', reason: "Invalid 'name': expected a string of 1 to 100 characters." });
  }
  return name.trim();
}

export function registerAdminKeysRoute(app: FastifyInstance, keyStore: KeyStore): void {
  app.post('/admin/keys', async (request, reply) => {
    const created = await keyStore.create({ name: readName(request.body) });
    return reply.code(201).send({ ...presentKey(created.record), key: created.key });
  });

  app.get('/admin/keys', async () => ({ object: 'list', data: (await keyStore.list()).map(presentKey) }));

  app.delete('/admin/keys/:id', async (request) => {
    const { id } = request.params as { id: string };
    if (!(await keyStore.revoke(id))) throw apiError('key_not_found', { id });
    return { id, object: 'api_key', revoked: true };
  });
}

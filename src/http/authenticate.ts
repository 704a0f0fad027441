/**
 * Bearer authentication for `/v1` and `/admin`. The admin key (from config) is compared in
 * constant time against its digest; other keys go to the key store, which stores only digests.
 * The outcome is attached to the request as its principal.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiKeyRecord, KeyStore } from '../accounts/key-store.ts';
import { maskApiKey } from '../accounts/mask-api-key.ts';
import { apiError } from '../openai/error-catalogue.ts';

export type Principal = { readonly kind: 'admin' } | { readonly kind: 'key'; readonly key: ApiKeyRecord };

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

export function createAuthenticator(keyStore: KeyStore, adminKey: string | null) {
  const adminDigest = adminKey ? digest(adminKey) : null;

  return async function authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    const token = bearerToken(header);
    if (!token) {
      if (header && header.trim() !== '') throw apiError('invalid_api_key', { maskedKey: maskApiKey(header.trim()) });
      throw apiError('missing_api_key');
    }
    if (adminDigest && timingSafeEqual(digest(token), adminDigest)) return { kind: 'admin' };
    const key = await keyStore.authenticate(token);
    if (!key) throw apiError('invalid_api_key', { maskedKey: maskApiKey(token) });
    return { kind: 'key', key };
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;

/** What a caller's tasks and idempotency keys belong to: its key's id, or `@admin` for the admin key. */
export function principalScope(principal: Principal | undefined): string {
  return principal?.kind === 'key' ? principal.key.id : '@admin';
}

/**
 * API keys. Secrets are never stored: only a SHA-256 digest (keys carry 192 random bits, so a
 * slow hash adds nothing) and a short display prefix. Lookups go by digest and the final
 * comparison is constant-time.
 */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  /** The first characters of the secret, for display (`pg-AbCd…`). */
  readonly prefix: string;
  readonly createdAtMs: number;
  readonly lastUsedAtMs: number | null;
  readonly revokedAtMs: number | null;
}

export interface CreatedApiKey {
  readonly record: ApiKeyRecord;
  /** The secret, returned only at creation. */
  readonly key: string;
}

export interface KeyStore {
  create(input: { name: string }): Promise<CreatedApiKey>;
  /** Every key, newest first, revoked ones included (with `revokedAtMs` set). */
  list(): Promise<ApiKeyRecord[]>;
  /** Revokes the key; false when no active key has that id. Takes effect on the next request. */
  revoke(id: string): Promise<boolean>;
  /** The active key matching the secret, or null; records the use time. */
  authenticate(secret: string): Promise<ApiKeyRecord | null>;
  /** Number of keys ever created (revoked included), for first-start bootstrap. */
  count(): Promise<number>;
}

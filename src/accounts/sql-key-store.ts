/**
 * `KeyStore` over the accounts database (SQLite or PostgreSQL through Kysely).
 *
 * Secrets are `sk-pg-` followed by 32 base62 characters (32 × log2(62) ≈ 190.5 random bits).
 * Only their SHA-256 digest is stored: with that much entropy a slow hash adds nothing, and a
 * fast one keeps `authenticate` on the request path cheap.
 */
import crypto from 'node:crypto';
import type { Insertable, Selectable } from 'kysely';
import type { ApiKeyRecord, CreatedApiKey, KeyStore } from './key-store.ts';
import type { Database } from './database.ts';
import type { ApiKeysTable } from './database-schema.ts';

export const apiKeySecretPrefix = 'sk-pg-';
const secretRandomLength = 32;
const displayPrefixLength = 10;
const secretPattern = /^sk-pg-[0-9A-Za-z]{32}$/;
const base62Alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * `last_used_at_ms` is rewritten at most once per this interval per key, so a busy key costs one
 * indexed read per request instead of a read and a write. Usage times are therefore accurate to
 * about ten seconds.
 */
export const lastUsedWriteIntervalMs = 10_000;

/** SHA-256 of the secret as lowercase hex: the value stored in `api_keys.secret_hash`. */
export function hashApiKey(secret: string): string {
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** True when the text has the exact shape of a Pixelgate secret (length and alphabet). */
export function isWellFormedApiKey(secret: string): boolean {
  return secret.length === apiKeySecretPrefix.length + secretRandomLength && secretPattern.test(secret);
}

export type RandomBytesSource = (size: number) => Buffer;

export class SqlKeyStore implements KeyStore {
  readonly #database: Database;
  readonly #clock: () => number;
  readonly #randomBytes: RandomBytesSource;

  constructor(database: Database, clock: () => number = Date.now, randomBytes: RandomBytesSource = crypto.randomBytes) {
    this.#database = database;
    this.#clock = clock;
    this.#randomBytes = randomBytes;
  }

  async create(input: { name: string }): Promise<CreatedApiKey> {
    const key = apiKeySecretPrefix + this.#randomBase62(secretRandomLength);
    const row: Insertable<ApiKeysTable> & Selectable<Pick<ApiKeysTable, KeyRecordColumn>> = {
      id: `key_${this.#randomBytes(12).toString('hex')}`,
      name: input.name,
      prefix: key.slice(0, displayPrefixLength),
      secret_hash: hashApiKey(key),
      created_at_ms: this.#clock(),
      last_used_at_ms: null,
      revoked_at_ms: null,
    };
    await this.#database.db.insertInto('api_keys').values(row).execute();
    return { record: toApiKeyRecord(row), key };
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.#database.db
      .selectFrom('api_keys')
      .selectAll()
      .orderBy('created_at_ms', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toApiKeyRecord);
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.#database.db
      .updateTable('api_keys')
      .set({ revoked_at_ms: this.#clock() })
      .where('id', '=', id)
      .where('revoked_at_ms', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async authenticate(secret: string): Promise<ApiKeyRecord | null> {
    if (!isWellFormedApiKey(secret)) return null;
    const digest = hashApiKey(secret);
    const row = await this.#database.db
      .selectFrom('api_keys')
      .selectAll()
      .where('secret_hash', '=', digest)
      .executeTakeFirst();
    if (row === undefined) return null;
    // The lookup already matched the digest; comparing again in constant time keeps the final
    // decision independent of how the database compares strings.
    if (!crypto.timingSafeEqual(Buffer.from(row.secret_hash, 'hex'), Buffer.from(digest, 'hex'))) return null;
    if (row.revoked_at_ms !== null) return null;

    const nowMs = this.#clock();
    if (row.last_used_at_ms === null || nowMs - row.last_used_at_ms >= lastUsedWriteIntervalMs) {
      await this.#database.db
        .updateTable('api_keys')
        .set({ last_used_at_ms: nowMs })
        .where('id', '=', row.id)
        .execute();
      return toApiKeyRecord({ ...row, last_used_at_ms: nowMs });
    }
    return toApiKeyRecord(row);
  }

  async count(): Promise<number> {
    const { keyCount } = await this.#database.db
      .selectFrom('api_keys')
      .select((expression) => expression.fn.countAll<number>().as('keyCount'))
      .executeTakeFirstOrThrow();
    return keyCount;
  }

  /** Uniform base62 by rejection sampling: bytes ≥ 248 (= 4 × 62) are discarded to avoid bias. */
  #randomBase62(length: number): string {
    let text = '';
    while (text.length < length) {
      for (const byte of this.#randomBytes(length * 2)) {
        if (byte >= 248) continue;
        text += base62Alphabet[byte % 62];
        if (text.length === length) break;
      }
    }
    return text;
  }
}

type KeyRecordColumn = 'id' | 'name' | 'prefix' | 'secret_hash' | 'created_at_ms' | 'last_used_at_ms' | 'revoked_at_ms';

function toApiKeyRecord(row: Selectable<Pick<ApiKeysTable, KeyRecordColumn>>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAtMs: row.created_at_ms,
    lastUsedAtMs: row.last_used_at_ms,
    revokedAtMs: row.revoked_at_ms,
  };
}

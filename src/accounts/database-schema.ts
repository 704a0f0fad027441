/**
 * The one schema type for every SQL dialect Pixelgate runs on. Column names are the SQL names;
 * rows are mapped to camelCase records by the stores that own each table.
 *
 * Integer columns are `number` on both dialects: `openDatabase` makes pg parse BIGINT (and
 * `count(*)`) as numbers, and better-sqlite3 already returns numbers.
 */
export interface ApiKeysTable {
  /** `key_` + 24 lowercase hex characters. */
  id: string;
  name: string;
  /** The first 10 characters of the secret (`sk-pg-AbCd`), for display. */
  prefix: string;
  /** SHA-256 of the secret, lowercase hex; unique. The secret itself is never stored. */
  secret_hash: string;
  /** Written by the application, never by a column default (SQLite and PostgreSQL differ). */
  created_at_ms: number;
  last_used_at_ms: number | null;
  revoked_at_ms: number | null;
}

export interface DatabaseSchema {
  api_keys: ApiKeysTable;
}

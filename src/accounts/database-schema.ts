/**
 * The one schema type for every SQL dialect Pixelgate runs on. Column names are the SQL names;
 * rows are mapped to camelCase records by the stores that own each table.
 *
 * Integer columns are `number` on both dialects: `openDatabase` makes pg parse BIGINT (and
 * `count(*)`) as numbers, and better-sqlite3 already returns numbers.
 */
import type { ColumnType } from 'kysely';

/** A column added later: rows inserted by older code leave it to its SQL default. */
type OptionalOnInsert<Value> = ColumnType<Value, Value | undefined, Value>;

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
  /** Migration 0002. JSON array of model ids; null: every model. Optional on insert (null). */
  allowed_models: OptionalOnInsert<string | null>;
  requests_per_minute: OptionalOnInsert<number | null>;
  max_concurrent_edits: OptionalOnInsert<number | null>;
  /** Remaining credit in micro-dollars; null: unlimited. */
  credit_micro_usd: OptionalOnInsert<number | null>;
  /** Held by edits in flight (estimated cost), released or settled when they end; 0 on insert. */
  reserved_micro_usd: OptionalOnInsert<number>;
  /** Everything ever settled on this key; 0 on insert. */
  spent_micro_usd: OptionalOnInsert<number>;
}

/** Migration 0002: one row per edit that ran (or was refused after parsing). */
export interface UsageRecordsTable {
  request_id: string;
  key_id: string | null;
  model: string;
  channel: string | null;
  status: string;
  http_status: number;
  latency_ms: number;
  images: number;
  input_tokens: number;
  output_tokens: number;
  text_tokens: number;
  image_tokens: number;
  cost_micro_usd: number;
  created_at_ms: number;
}

/** Migration 0005: files uploaded through `POST /v1/files` (their bytes are in the blob store). */
export interface UploadedFilesTable {
  /** `file-` + 24 base62 characters. */
  id: string;
  /** The key id that uploaded it, or `@admin`; only the same scope may use it. */
  scope: string;
  filename: string;
  purpose: string;
  bytes: number;
  blob_key: string;
  created_at_ms: number;
  expires_at_ms: number;
}

/**
 * Migration 0004: one row per credit reservation not yet settled — written with the reservation,
 * deleted with its settlement — so the reservations of a process that died can be released.
 */
export interface OpenReservationsTable {
  request_id: string;
  key_id: string;
  model: string;
  amount_micro_usd: number;
  /** The node whose edit holds it. */
  owner: string;
  created_at_ms: number;
}

/** Migration 0003: one row per async edit task (`Prefer: respond-async`). */
export interface EditTasksTable {
  /** `task_` + 32 lowercase hex characters. */
  id: string;
  /** Who may read it: the key id, or `@admin` for the admin key. */
  scope: string;
  request_id: string;
  key_id: string | null;
  model: string;
  /** `queued`, `in_progress`, `succeeded` or `failed` (`expired` is derived from `expires_at_ms`). */
  status: string;
  created_at_ms: number;
  updated_at_ms: number;
  completed_at_ms: number | null;
  expires_at_ms: number;
  /** The node running it, and until when its heartbeat holds it. */
  owner: string;
  lease_until_ms: number;
  /** Credit held for it, released by whoever finishes or recovers the task. */
  reserved_micro_usd: number;
  /** JSON `StoredAnswer` once it ended. */
  answer: string | null;
}

/** Migration 0003: one row per `Idempotency-Key` in use, keyed by (scope, idempotency_key). */
export interface IdempotencyRecordsTable {
  scope: string;
  idempotency_key: string;
  /** SHA-256 of the request's fields and file digests. */
  fingerprint: string;
  request_id: string;
  /** `running` or `finished`. */
  status: string;
  answer: string | null;
  owner: string;
  lease_until_ms: number;
  created_at_ms: number;
  expires_at_ms: number;
}

export interface DatabaseSchema {
  api_keys: ApiKeysTable;
  usage_records: UsageRecordsTable;
  edit_tasks: EditTasksTable;
  idempotency_records: IdempotencyRecordsTable;
  open_reservations: OpenReservationsTable;
  uploaded_files: UploadedFilesTable;
}

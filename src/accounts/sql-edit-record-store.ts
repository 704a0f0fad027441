/**
 * `EditRecordStore` over the accounts database; the same SQL on SQLite and PostgreSQL. Every
 * state change is one conditional statement (`where status = …`), so two nodes racing for the
 * same task or key cannot both win.
 */
import { sql, type Selectable } from 'kysely';
import type { Database } from './database.ts';
import type { EditTasksTable, IdempotencyRecordsTable } from './database-schema.ts';
import type { EditRecordStore, EditTask, IdempotencyClaim, IdempotencyRecord, NewEditTask, NewIdempotencyRecord, TaskStatus } from './edit-record-store.ts';

const openTaskStatuses = ['queued', 'in_progress'] as const;

function toTask(row: Selectable<EditTasksTable>): EditTask {
  return {
    id: row.id,
    scope: row.scope,
    requestId: row.request_id,
    keyId: row.key_id,
    model: row.model,
    status: row.status as TaskStatus,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
    completedAtMs: row.completed_at_ms,
    expiresAtMs: row.expires_at_ms,
    owner: row.owner,
    leaseUntilMs: row.lease_until_ms,
    reservedMicroUsd: row.reserved_micro_usd,
    answer: row.answer,
  };
}

function toIdempotencyRecord(row: Selectable<IdempotencyRecordsTable>): IdempotencyRecord {
  return {
    scope: row.scope,
    idempotencyKey: row.idempotency_key,
    fingerprint: row.fingerprint,
    requestId: row.request_id,
    status: row.status as IdempotencyRecord['status'],
    answer: row.answer,
    owner: row.owner,
    leaseUntilMs: row.lease_until_ms,
    createdAtMs: row.created_at_ms,
    expiresAtMs: row.expires_at_ms,
  };
}

function idempotencyRow(record: NewIdempotencyRecord): Selectable<IdempotencyRecordsTable> {
  return {
    scope: record.scope,
    idempotency_key: record.idempotencyKey,
    fingerprint: record.fingerprint,
    request_id: record.requestId,
    status: 'running',
    answer: null,
    owner: record.owner,
    lease_until_ms: record.leaseUntilMs,
    created_at_ms: record.createdAtMs,
    expires_at_ms: record.expiresAtMs,
  };
}

export class SqlEditRecordStore implements EditRecordStore {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  async createTask(task: NewEditTask): Promise<void> {
    await this.#database.db
      .insertInto('edit_tasks')
      .values({
        id: task.id,
        scope: task.scope,
        request_id: task.requestId,
        key_id: task.keyId,
        model: task.model,
        status: 'queued',
        created_at_ms: task.createdAtMs,
        updated_at_ms: task.createdAtMs,
        completed_at_ms: null,
        expires_at_ms: task.expiresAtMs,
        owner: task.owner,
        lease_until_ms: task.leaseUntilMs,
        reserved_micro_usd: task.reservedMicroUsd,
        answer: null,
      })
      .execute();
  }

  async task(scope: string, id: string): Promise<EditTask | null> {
    const row = await this.#database.db.selectFrom('edit_tasks').selectAll().where('id', '=', id).where('scope', '=', scope).executeTakeFirst();
    return row ? toTask(row) : null;
  }

  async startTask(id: string, nowMs: number): Promise<boolean> {
    const result = await this.#database.db
      .updateTable('edit_tasks')
      .set({ status: 'in_progress', updated_at_ms: nowMs })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async finishTask(id: string, status: 'succeeded' | 'failed', answer: string, nowMs: number): Promise<boolean> {
    const result = await this.#database.db
      .updateTable('edit_tasks')
      .set({ status, answer, updated_at_ms: nowMs, completed_at_ms: nowMs })
      .where('id', '=', id)
      .where('status', 'in', openTaskStatuses)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async interruptedTasks(restartedOwner: string | null, nowMs: number): Promise<EditTask[]> {
    const rows = await this.#database.db
      .selectFrom('edit_tasks')
      .selectAll()
      .where('status', 'in', openTaskStatuses)
      .where((where) => (restartedOwner === null ? where('lease_until_ms', '<', nowMs) : where.or([where('lease_until_ms', '<', nowMs), where('owner', '=', restartedOwner)])))
      .execute();
    return rows.map(toTask);
  }

  async claimIdempotency(record: NewIdempotencyRecord, nowMs: number, attempt = 1): Promise<IdempotencyClaim> {
    const db = this.#database.db;
    // An expired record no longer binds its key: the window is over.
    await db
      .deleteFrom('idempotency_records')
      .where('scope', '=', record.scope)
      .where('idempotency_key', '=', record.idempotencyKey)
      .where('expires_at_ms', '<=', nowMs)
      .execute();
    const inserted = await db
      .insertInto('idempotency_records')
      .values(idempotencyRow(record))
      .onConflict((conflict) => conflict.columns(['scope', 'idempotency_key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { kind: 'claimed' };
    const existing = await this.idempotency(record.scope, record.idempotencyKey);
    // Gone between the two statements (released or expired): try once more from the start.
    if (existing === null) {
      if (attempt >= 3) throw new Error(`idempotency key ${record.idempotencyKey} kept changing hands while being claimed`);
      return this.claimIdempotency(record, nowMs, attempt + 1);
    }
    return { kind: 'existing', record: existing };
  }

  async takeOverIdempotency(abandoned: IdempotencyRecord, record: NewIdempotencyRecord): Promise<boolean> {
    const row = idempotencyRow(record);
    const result = await this.#database.db
      .updateTable('idempotency_records')
      .set({ request_id: row.request_id, fingerprint: row.fingerprint, owner: row.owner, lease_until_ms: row.lease_until_ms, created_at_ms: row.created_at_ms, expires_at_ms: row.expires_at_ms })
      .where('scope', '=', abandoned.scope)
      .where('idempotency_key', '=', abandoned.idempotencyKey)
      .where('request_id', '=', abandoned.requestId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async idempotency(scope: string, idempotencyKey: string): Promise<IdempotencyRecord | null> {
    const row = await this.#database.db
      .selectFrom('idempotency_records')
      .selectAll()
      .where('scope', '=', scope)
      .where('idempotency_key', '=', idempotencyKey)
      .executeTakeFirst();
    return row ? toIdempotencyRecord(row) : null;
  }

  async finishIdempotency(scope: string, idempotencyKey: string, requestId: string, answer: string): Promise<boolean> {
    const result = await this.#database.db
      .updateTable('idempotency_records')
      .set({ status: 'finished', answer })
      .where('scope', '=', scope)
      .where('idempotency_key', '=', idempotencyKey)
      .where('request_id', '=', requestId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async releaseIdempotency(scope: string, idempotencyKey: string, requestId: string): Promise<void> {
    await this.#database.db
      .deleteFrom('idempotency_records')
      .where('scope', '=', scope)
      .where('idempotency_key', '=', idempotencyKey)
      .where('request_id', '=', requestId)
      .execute();
  }

  async countTasksByStatus(): Promise<Partial<Record<TaskStatus, number>>> {
    const rows = await this.#database.db
      .selectFrom('edit_tasks')
      .select(['status', sql<number>`count(*)`.as('count')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  async renewLeases(owner: string, leaseUntilMs: number): Promise<void> {
    const db = this.#database.db;
    await db.updateTable('edit_tasks').set({ lease_until_ms: leaseUntilMs }).where('owner', '=', owner).where('status', 'in', openTaskStatuses).execute();
    await db.updateTable('idempotency_records').set({ lease_until_ms: leaseUntilMs }).where('owner', '=', owner).where('status', '=', 'running').execute();
  }

  async deleteExpired(nowMs: number): Promise<number> {
    const db = this.#database.db;
    // A task still open is never touched: its finisher or recovery must release its reservation first.
    // An ended one past its expiry loses its answer but answers `expired` for as long again.
    await db
      .updateTable('edit_tasks')
      .set({ status: 'expired', answer: null, updated_at_ms: nowMs })
      .where('expires_at_ms', '<=', nowMs)
      .where('status', 'in', ['succeeded', 'failed'])
      .execute();
    const tasks = await db
      .deleteFrom('edit_tasks')
      .where('status', '=', 'expired')
      .where(sql<number>`2 * expires_at_ms - created_at_ms`, '<=', nowMs)
      .executeTakeFirst();
    const records = await db.deleteFrom('idempotency_records').where('expires_at_ms', '<=', nowMs).where('status', '=', 'finished').executeTakeFirst();
    return Number(tasks.numDeletedRows) + Number(records.numDeletedRows);
  }
}

/**
 * The edit pipeline's steps on their own, without a server: real SQLite ledger, the stand-in
 * engine (and one that always fails), form parts spooled to a temp folder as the HTTP layer
 * would leave them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { openDatabase, type Database } from '../accounts/database.ts';
import { SqlKeyStore } from '../accounts/sql-key-store.ts';
import { SqlUsageLedger } from '../accounts/sql-usage-ledger.ts';
import { SqlEditRecordStore } from '../accounts/sql-edit-record-store.ts';
import { loadConfig } from '../config/load-config.ts';
import { EngineError, type EditResult, type ImageEngine } from '../engines/engine.ts';
import { StandInEngine } from '../engines/stand-in/stand-in-engine.ts';
import { ApiError, apiError } from '../openai/error-catalogue.ts';
import { engineFailureToApiError } from '../http/engine-failure.ts';
import type { FormPart } from '../openai/form-parts.ts';
import { DiskBlobStore } from '../storage/disk-blob-store.ts';
import { createEditPipeline } from './create-edit-pipeline.ts';
import type { EditPipeline } from './edit-pipeline.ts';
import type { EditTasks } from './edit-tasks.ts';
import type { EditCaller } from './edit-run.ts';

let directory: string;
let database: Database;
let ledger: SqlUsageLedger;
let keys: SqlKeyStore;
let pipeline: EditPipeline;
let records: SqlEditRecordStore;
let tasks: EditTasks;
let imagePart: FormPart;
const warnings: string[] = [];

class FailingEngine implements ImageEngine {
  readonly id = 'failing';
  readonly capabilities = new StandInEngine().capabilities;
  async edit(): Promise<EditResult> {
    throw new EngineError('invalid_input', 'refused on purpose', false);
  }
  async close(): Promise<void> {}
}

before(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'pixelgate-pipeline-'));
  database = await openDatabase({ url: `sqlite:${path.join(directory, 'test.db')}` });
  ledger = new SqlUsageLedger(database);
  keys = new SqlKeyStore(database);
  const config = loadConfig({ DATA_DIR: directory, LOG_LEVEL: 'silent' }, {
    models: {
      served: [
        { id: 'dall-e-2', rules: 'dall-e-2', engine: 'stand-in' },
        { id: 'gpt-image-1', rules: 'gpt-image-1' },
      ],
    },
    channels: [{ name: 'failing', type: 'stand-in', models: [{ id: 'gpt-image-1' }] }],
    billing: { builtInPerImageUsd: 0.01 },
  });
  const engines = new Map<string, ImageEngine>([
    ['stand-in', new StandInEngine()],
    ['failing', new FailingEngine()],
  ]);
  records = new SqlEditRecordStore(database);
  let built: EditTasks | null;
  ({ pipeline, tasks: built } = createEditPipeline({
    config,
    engines,
    blobStore: new DiskBlobStore(path.join(directory, 'results')),
    signingSecret: Buffer.alloc(32, 7),
    usageLedger: ledger,
    editRecords: records,
    nodeId: 'node_0000000000000001',
    clock: Date.now,
    log: { warn: () => {}, error: () => {} },
  }));
  tasks = built!;
  const png = await sharp({ create: { width: 16, height: 16, channels: 4, background: '#336699' } }).png().toBuffer();
  const imagePath = path.join(directory, 'image.png');
  await writeFile(imagePath, png);
  imagePart = { kind: 'file', fieldName: 'image', filename: 'image.png', contentType: 'image/png', path: imagePath, byteLength: png.length, header: png.subarray(0, 4096) };
});
after(async () => {
  await database.close();
  await rm(directory, { recursive: true, force: true });
});

function caller(requestId: string): EditCaller {
  return {
    requestId,
    // As the HTTP edge maps them (src/http/render-api-error.ts), without its request logger.
    toApiError: (error) => (error instanceof ApiError ? error : error instanceof EngineError ? engineFailureToApiError(error) : apiError('server_error')),
    log: { warn: (_fields, message) => warnings.push(message) },
  };
}

function form(model: string, prompt = 'a lighthouse'): FormPart[] {
  return [{ kind: 'field', fieldName: 'model', value: model }, { kind: 'field', fieldName: 'prompt', value: prompt }, imagePart];
}

async function keyWithCredit(name: string, creditMicroUsd: number, maxConcurrentEdits: number | null = null): Promise<string> {
  const { record } = await keys.create({ name });
  await ledger.updateLimits(record.id, { creditMicroUsd, maxConcurrentEdits });
  return record.id;
}

const never = new AbortController().signal;

describe('EditPipeline', () => {
  it('admit: a key at its concurrency limit gets the 429; a released slot admits again', async () => {
    const keyId = await keyWithCredit('limited', 1_000_000, 1);
    const first = await pipeline.admit(keyId);
    await assert.rejects(pipeline.admit(keyId), (error: ApiError) => error.status === 429 && error.body.error.code === 'rate_limit_exceeded');
    first.release();
    (await pipeline.admit(keyId)).release();
  });

  it('parse: the form is checked against the model rules before anything is reserved', () => {
    assert.throws(() => pipeline.parse(form('dall-e-2', '')), (error: ApiError) => error.status === 400 && error.body.error.param === 'prompt');
    assert.equal(pipeline.parse(form('dall-e-2')).model.id, 'dall-e-2');
  });

  it('begin, route, answer, succeeded: charged once, reservation returned, one usage record', async () => {
    const keyId = await keyWithCredit('spender', 1_000_000);
    const admission = await pipeline.admit(keyId);
    const run = await pipeline.begin(admission, caller('req_ok'), pipeline.parse(form('dall-e-2')));
    assert.ok((await ledger.account(keyId))!.reservedMicroUsd > 0, 'reserved before it runs');
    const result = await run.route({ signal: never });
    const response = await run.answer(result, 'http://pixelgate.test');
    assert.deepEqual(Object.keys(response), ['created', 'data']);
    await run.succeeded();
    await run.succeeded();
    admission.release();
    const account = (await ledger.account(keyId))!;
    assert.deepEqual([account.reservedMicroUsd, account.spentMicroUsd, account.creditMicroUsd], [0, 10_000, 990_000]);
    const records = await ledger.recentRequests({ limit: 10, keyId });
    assert.deepEqual(records.map((record) => [record.requestId, record.status, record.costMicroUsd]), [['req_ok', 'succeeded', 10_000]]);
  });

  it('a failed route settles as failed, charges nothing and throws the client error', async () => {
    const keyId = await keyWithCredit('unlucky', 1_000_000);
    const run = await pipeline.begin(await pipeline.admit(keyId), caller('req_fail'), pipeline.parse(form('gpt-image-1')));
    await assert.rejects(run.route({ signal: never }), (error: ApiError) => error.status === 400);
    await run.succeeded();
    const account = (await ledger.account(keyId))!;
    assert.deepEqual([account.reservedMicroUsd, account.spentMicroUsd], [0, 0]);
    const records = await ledger.recentRequests({ limit: 10, keyId });
    assert.deepEqual(records.map((record) => [record.status, record.httpStatus, record.costMicroUsd]), [['failed', 400, 0]], 'settled once, as failed');
  });

  it('begin refuses a key without the credit for the estimate, and reserves nothing', async () => {
    const keyId = await keyWithCredit('broke', 1);
    await assert.rejects(pipeline.begin(await pipeline.admit(keyId), caller('req_broke'), pipeline.parse(form('dall-e-2'))), (error: ApiError) => error.status === 429 && error.body.error.code === 'insufficient_quota');
    assert.equal((await ledger.account(keyId))!.reservedMicroUsd, 0);
  });
});

describe('async tasks', () => {
  async function untilEnded(scope: string, id: string) {
    for (;;) {
      const task = await tasks.view(scope, id);
      if (task && task.status !== 'queued' && task.status !== 'in_progress') return task;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('submit answers the queued task at once; it then succeeds with the ImagesResponse, charged once, and only its scope reads it', async () => {
    const keyId = await keyWithCredit('async', 1_000_000);
    let released = 0;
    const accepted = await pipeline.submit(await pipeline.admit(keyId), caller('req_task'), pipeline.parse(form('dall-e-2')), {
      scope: keyId,
      keyId,
      baseUrl: 'http://pixelgate.test',
      release: async () => {
        released += 1;
      },
    });
    assert.deepEqual(Object.keys(accepted), ['id', 'object', 'status', 'created_at']);
    assert.deepEqual([accepted.object, accepted.status], ['image.edit.task', 'queued']);
    const ended = await untilEnded(keyId, accepted.id);
    assert.equal(ended.status, 'succeeded');
    assert.equal(ended.result?.data.length, 1);
    // dall-e-2 answers `url` by default: published like a synchronous edit's.
    assert.match((ended.result?.data[0] as { url: string }).url, /^http:\/\/pixelgate\.test\/v1\/results\//);
    assert.ok(ended.expires_at! > ended.created_at);
    while (released === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(released, 1, 'its admission and uploads are freed once, when it ended');
    assert.equal(await tasks.view('key_other', accepted.id), null);
    const account = (await ledger.account(keyId))!;
    assert.deepEqual([account.reservedMicroUsd, account.spentMicroUsd], [0, 10_000]);
  });

  it('a task whose edit fails ends failed with the OpenAI error, charged nothing', async () => {
    const keyId = await keyWithCredit('async-fails', 1_000_000);
    const accepted = await pipeline.submit(await pipeline.admit(keyId), caller('req_task_fail'), pipeline.parse(form('gpt-image-1')), {
      scope: keyId,
      keyId,
      baseUrl: 'http://pixelgate.test',
      release: async () => {},
    });
    const ended = await untilEnded(keyId, accepted.id);
    assert.deepEqual([ended.status, ended.result, Object.keys(ended.error ?? {}).sort()], ['failed', undefined, ['code', 'message', 'param', 'type']]);
    assert.equal((await ledger.account(keyId))!.spentMicroUsd, 0);
  });

  it('a task past its retention answers expired, without its result', async () => {
    const now = Date.now();
    await records.createTask({ id: 'task_old', scope: 'key_x', requestId: 'req_old', keyId: null, model: 'dall-e-2', createdAtMs: now - 10_000, expiresAtMs: now - 100, owner: 'node_a', leaseUntilMs: now, reservedMicroUsd: 0 });
    await records.finishTask('task_old', 'succeeded', JSON.stringify({ kind: 'images', response: { created: 1, data: [] } }), now - 5_000);
    const before = await tasks.view('key_x', 'task_old');
    assert.deepEqual([before?.status, before?.result, before?.completed_at], ['expired', undefined, Math.floor((now - 5_000) / 1000)]);
    await records.deleteExpired(now);
    assert.equal((await tasks.view('key_x', 'task_old'))?.status, 'expired', 'the sweep keeps it as expired for as long again');
  });

  it('recoverInterrupted fails the open tasks of a departed node and releases their reservations, once', async () => {
    const keyId = await keyWithCredit('orphaned', 1_000_000);
    assert.ok(await ledger.reserve(keyId, 40_000));
    const now = Date.now();
    const base = { scope: keyId, keyId, model: 'dall-e-2', createdAtMs: now, expiresAtMs: now + 60_000, reservedMicroUsd: 40_000 };
    await records.createTask({ ...base, id: 'task_orphan', requestId: 'req_orphan', owner: 'node_dead', leaseUntilMs: now + 60_000 });
    await records.startTask('task_orphan', now);
    // Another live node's task, its lease current: not touched.
    await records.createTask({ ...base, id: 'task_alive', requestId: 'req_alive', owner: 'node_alive', leaseUntilMs: now + 60_000, reservedMicroUsd: 0 });
    assert.equal(await tasks.recoverInterrupted(['node_dead']), 1);
    assert.equal(await tasks.recoverInterrupted(['node_dead']), 0);
    const failed = await tasks.view(keyId, 'task_orphan');
    assert.deepEqual([failed?.status, failed?.error?.code], ['failed', 'task_interrupted']);
    assert.equal((await tasks.view(keyId, 'task_alive'))?.status, 'queued');
    const account = (await ledger.account(keyId))!;
    assert.deepEqual([account.reservedMicroUsd, account.spentMicroUsd], [0, 0]);
    const usage = await ledger.recentRequests({ limit: 10, keyId });
    assert.deepEqual(usage.map((record) => [record.requestId, record.status, record.httpStatus, record.costMicroUsd]), [['req_orphan', 'interrupted', 500, 0]]);
  });
});

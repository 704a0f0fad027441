/**
 * Every route declares who may call it, and an undeclared route refuses everyone (default deny).
 * In-process; the matrix of path spellings against the real server is test/e2e/route-access.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { createApp } from '../app.ts';
import { openDatabase, type Database } from '../accounts/database.ts';
import { SqlKeyStore } from '../accounts/sql-key-store.ts';
import { SqlUsageLedger } from '../accounts/sql-usage-ledger.ts';
import { SqlEditRecordStore } from '../accounts/sql-edit-record-store.ts';
import { SqlFileStore } from '../accounts/sql-file-store.ts';
import { loadConfig } from '../config/load-config.ts';
import { StandInEngine } from '../engines/stand-in/stand-in-engine.ts';
import { DiskBlobStore } from '../storage/disk-blob-store.ts';
import { routeAccessTable } from './route-access.ts';

const adminKey = 'test-admin-key-0123456789';
const logLines: string[] = [];
let app: FastifyInstance;
let database: Database;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'pixelgate-access-'));
  const config = loadConfig({ DATA_DIR: dataDir, PIXELGATE_ADMIN_KEY: adminKey, LOG_LEVEL: 'silent' }, {
    models: { served: [{ id: 'dall-e-2', rules: 'dall-e-2', engine: 'stand-in' }] },
  });
  database = await openDatabase({ url: `sqlite:${path.join(dataDir, 'test.db')}` });
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  app = await createApp({
    config,
    keyStore: new SqlKeyStore(database),
    usageLedger: new SqlUsageLedger(database),
    // Every optional service, so every route createApp can register is registered.
    editRecords: new SqlEditRecordStore(database),
    fileStore: new SqlFileStore(database),
    blobStore: new DiskBlobStore(path.join(dataDir, 'results')),
    signingSecret: Buffer.alloc(32, 1),
    engines: new Map([['stand-in', new StandInEngine()]]),
    logger: { level: 'error', stream },
  });
  app.get('/v1/undeclared', async () => ({ reached: true }));
  app.get('/v1/declared-on-the-route', { config: { access: 'admin' } }, async () => ({ reached: true }));
  await app.ready();
});
after(async () => {
  await app?.close();
  await database?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('route access declarations', () => {
  it('declares every route createApp registers (only the test routes added here are flagged)', () => {
    const flagged = logLines.filter((line) => line.includes('route has no access declaration')).map((line) => JSON.parse(line).route);
    assert.deepEqual(flagged, ['GET /v1/undeclared', 'HEAD /v1/undeclared']);
  });

  it('lists only routes that exist', () => {
    for (const key of Object.keys(routeAccessTable)) {
      const [method, url] = key.split(' ');
      assert.ok(app.hasRoute({ method: method as HTTPMethods, url }), `${key} is declared but not registered`);
    }
  });

  it('refuses an undeclared route even to the admin key, as if it did not exist', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/undeclared', headers: { authorization: `Bearer ${adminKey}` } });
    assert.equal(response.statusCode, 404);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(
      response.body,
      '{"error":{"message":"Invalid URL (GET /v1/undeclared)","type":"invalid_request_error","param":null,"code":null}}',
    );
  });

  it('takes the access declared on the route itself', async () => {
    const withoutAdmin = await app.inject({ method: 'GET', url: '/v1/declared-on-the-route' });
    assert.equal(withoutAdmin.statusCode, 401);
    const withAdmin = await app.inject({ method: 'GET', url: '/v1/declared-on-the-route', headers: { authorization: `Bearer ${adminKey}` } });
    assert.equal(withAdmin.statusCode, 200);
    assert.equal(withAdmin.body, '{"reached":true}');
  });
});

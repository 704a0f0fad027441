/**
 * The error edge, in-process: an unexpected exception becomes the generic 500 (never a stack
 * trace), Fastify's own errors map onto the catalogue, and the OpenAI headers are always set.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../app.ts';
import { openDatabase, type Database } from '../accounts/database.ts';
import { SqlKeyStore } from '../accounts/sql-key-store.ts';
import { loadConfig } from '../config/load-config.ts';
import { StandInEngine } from '../engines/stand-in/stand-in-engine.ts';
import { DiskBlobStore } from '../storage/disk-blob-store.ts';

const adminKey = 'test-admin-key-0123456789';
let app: FastifyInstance;
let database: Database;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'pixelgate-render-'));
  const config = loadConfig({ DATA_DIR: dataDir, PIXELGATE_ADMIN_KEY: adminKey, LOG_LEVEL: 'silent' }, {
    models: { served: [{ id: 'dall-e-2', rules: 'dall-e-2', engine: 'stand-in' }] },
  });
  database = await openDatabase({ url: `sqlite:${path.join(dataDir, 'test.db')}` });
  app = await createApp({
    config,
    keyStore: new SqlKeyStore(database),
    blobStore: new DiskBlobStore(path.join(dataDir, 'results')),
    signingSecret: Buffer.alloc(32, 1),
    engines: new Map([['stand-in', new StandInEngine()]]),
  });
  app.get('/v1/boom', { config: { access: 'api_key' } }, async () => {
    throw new TypeError('secret internals at /srv/app.js:12');
  });
  await app.ready();
});
after(async () => {
  await app?.close();
  await database?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('error rendering', () => {
  it('answers an unexpected failure with the generic 500 and no internals', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/boom', headers: { authorization: `Bearer ${adminKey}` } });
    assert.equal(response.statusCode, 500);
    assert.deepEqual(response.json(), {
      error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null },
    });
    assert.equal(response.body.includes('secret internals'), false);
    assert.match(String(response.headers['x-request-id']), /^req_[0-9a-f]{32}$/);
    assert.equal(response.headers['openai-version'], '2020-10-01');
    assert.match(String(response.headers['openai-processing-ms']), /^\d+$/);
  });

  it('maps an unsupported content type onto invalid_content_type', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/images/edits',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/x-unknown' },
      payload: 'x',
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error.code, 'invalid_content_type');
  });

  it('answers invalid admin JSON in the envelope', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/admin/keys',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      payload: '{"name":',
    });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json(), {
      error: { message: 'The request body is not valid JSON.', type: 'invalid_request_error', param: 'body', code: 'invalid_value' },
    });
  });

  it('serves the OpenAPI document built from the capability table', async () => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    const document = response.json();
    assert.equal(document.openapi, '3.1.0');
    assert.ok(document.paths['/v1/images/edits/'].post);
    const schema = document.components.schemas['EditRequest_dall-e-2'];
    assert.deepEqual(schema.properties.size.enum, ['256x256', '512x512', '1024x1024']);
    assert.equal(schema.properties.n.maximum, 10);
    assert.equal(schema.properties.prompt.maxLength, 1000);
    assert.deepEqual(schema.required, ['image', 'prompt']);
  });
});

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { openDatabase } from './database.ts';
import { defineUsageLedgerSuite } from './usage-ledger-suite.ts';

describe('SqlUsageLedger on SQLite', () => {
  defineUsageLedgerSuite(async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'pixelgate-ledger-'));
    const database = await openDatabase({ url: `sqlite:${path.join(directory, 'pixelgate.db')}` });
    return {
      database,
      async dispose() {
        await database.close().catch(() => {});
        await fs.rm(directory, { recursive: true, force: true });
      },
    };
  });
});

const postgresUrl = process.env.PIXELGATE_TEST_POSTGRES_URL;

describe('SqlUsageLedger on PostgreSQL', () => {
  if (postgresUrl === undefined || postgresUrl === '') {
    test('PostgreSQL suite', (t) => {
      t.skip('PIXELGATE_TEST_POSTGRES_URL is not set; set it to postgres://user:password@host/database to run this suite');
    });
    return;
  }
  // Each test gets its own schema (via search_path) so runs never see each other's rows.
  defineUsageLedgerSuite(async () => {
    const schema = `pixelgate_test_${crypto.randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    const dropSchema = async () => {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    };
    try {
      await admin.query(`create schema ${schema}`);
      const url = new URL(postgresUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const database = await openDatabase({ url: url.toString() });
      return {
        database,
        async dispose() {
          await database.close().catch(() => {});
          await dropSchema();
        },
      };
    } catch (error) {
      await dropSchema();
      throw error;
    }
  });
});

/**
 * Opens the real services a server runs on (database, key store, result store, signing
 * secret, engines) from a loaded configuration, and closes them in reverse order.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { AppServices } from './app.ts';
import { databaseUrlForDataDirectory, openDatabase } from './accounts/database.ts';
import { SqlKeyStore } from './accounts/sql-key-store.ts';
import type { PixelgateConfig } from './config/config-schema.ts';
import { SqlUsageLedger } from './accounts/sql-usage-ledger.ts';
import { SqlEditRecordStore } from './accounts/sql-edit-record-store.ts';
import { SqlFileStore } from './accounts/sql-file-store.ts';
import { sql } from 'kysely';
import type { BackendProbe } from './http/health-route.ts';
import { closeEngines, createEngines } from './engines/create-engines.ts';
import { DiskBlobStore } from './storage/disk-blob-store.ts';
import { S3BlobStore } from './storage/s3-blob-store.ts';
import { resolveSigningSecret } from './storage/signing-secret.ts';
import { registerNode } from './storage/node-registry.ts';
import { InProcessAdmissionStore } from './shared-state/in-process-admission-store.ts';
import { RedisAdmissionStore } from './shared-state/redis-admission-store.ts';
import { RedisCircuitSync } from './shared-state/circuit-sync.ts';

export interface OpenedServices {
  readonly services: AppServices;
  close(): Promise<void>;
}

function requiredEnvironment(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`storage.s3 needs the environment variable ${name}`);
  return value;
}

export async function openServices(config: PixelgateConfig): Promise<OpenedServices> {
  await mkdir(config.dataDir, { recursive: true });
  // Uploads left by a previous process that stopped mid-request.
  await rm(path.join(config.dataDir, 'tmp', 'uploads'), { recursive: true, force: true });
  const database = await openDatabase({ url: config.database.url ?? databaseUrlForDataDirectory(config.dataDir) });
  const s3 = config.storage.s3;
  const blobStore = s3
    ? new S3BlobStore({
        bucket: s3.bucket,
        prefix: s3.prefix,
        region: s3.region,
        endpoint: s3.endpoint,
        accessKeyId: requiredEnvironment(s3.accessKeyIdEnv),
        secretAccessKey: requiredEnvironment(s3.secretAccessKeyEnv),
      })
    : new DiskBlobStore(path.join(config.dataDir, 'results'));
  const signingSecret = await resolveSigningSecret(config.dataDir, process.env.PIXELGATE_SIGNING_SECRET);
  const node = await registerNode(config.dataDir);
  const engines = createEngines(config);
  const editRecords = new SqlEditRecordStore(database);
  const { redisUrl, keyPrefix, leaseMs } = config.sharedState;
  const admissionStore = redisUrl
    ? new RedisAdmissionStore({ url: redisUrl, keyPrefix, leaseMs, onError: (error) => process.stderr.write(`pixelgate: redis: ${error.message}\n`) })
    : new InProcessAdmissionStore();
  const circuitSync = redisUrl ? new RedisCircuitSync(redisUrl, keyPrefix, (error) => process.stderr.write(`pixelgate: redis (circuits): ${error.message}\n`)) : undefined;
  const backendProbes: BackendProbe[] = [
    { name: 'database', kind: database.dialect === 'sqlite' ? 'sqlite' : 'postgresql', check: async () => void (await sql`select 1`.execute(database.db)) },
    admissionStore instanceof RedisAdmissionStore ? { name: 'sharedState', kind: 'redis', check: () => admissionStore.ping() } : { name: 'sharedState', kind: 'memory' },
    blobStore instanceof S3BlobStore ? { name: 'storage', kind: 's3', check: () => blobStore.ping() } : { name: 'storage', kind: 'disk' },
  ];
  return {
    services: {
      config,
      keyStore: new SqlKeyStore(database),
      usageLedger: new SqlUsageLedger(database),
      editRecords,
      fileStore: new SqlFileStore(database),
      admissionStore,
      circuitSync,
      blobStore,
      signingSecret,
      engines,
      node,
      backendProbes,
    },
    async close() {
      await closeEngines(engines);
      await admissionStore.close();
      await circuitSync?.close();
      if (blobStore instanceof S3BlobStore) blobStore.close();
      await database.close();
      // Only after the app closed (its tasks ended): a process that stops before this is found departed.
      await node.unregister();
    },
  };
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { startS3Server, type RunningS3Server } from '../../test/support/start-s3-server.ts';
import { describeBlobStore } from './blob-store-suite.ts';
import { DiskBlobStore } from './disk-blob-store.ts';
import { S3BlobStore } from './s3-blob-store.ts';

let s3: RunningS3Server;
let prefixNumber = 0;
before(async () => {
  s3 = await startS3Server();
});
after(() => s3.stop());

describeBlobStore('DiskBlobStore', async () => {
  const directory = await mkdtemp(path.join(tmpdir(), 'pixelgate-blobs-'));
  return { store: new DiskBlobStore(path.join(directory, 'results')), dispose: () => rm(directory, { recursive: true, force: true }) };
});

describeBlobStore('S3BlobStore (s3rver)', async () => {
  prefixNumber += 1;
  const store = new S3BlobStore({ bucket: s3.bucket, prefix: `suite-${prefixNumber}/`, region: 'us-east-1', endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  return { store, dispose: async () => store.close() };
});

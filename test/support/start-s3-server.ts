/**
 * A real S3-protocol server for the tests (s3rver, in this process, on a free loopback port,
 * data in a temporary folder) with one bucket, and the credentials it accepts (its defaults).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// s3rver ships no types: what these tests use of it.
// @ts-expect-error -- untyped CommonJS module
import S3rver from 's3rver';

export interface RunningS3Server {
  readonly endpoint: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  stop(): Promise<void>;
}

export async function startS3Server(bucket = 'pixelgate-test'): Promise<RunningS3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), 'pixelgate-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const address = (await server.run()) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

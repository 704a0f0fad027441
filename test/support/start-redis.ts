/**
 * A Redis of a test's own (Debian's `redis-server`, no persistence) on a free loopback port, so
 * the test can stop it and start it again on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A free loopback port, as the kernel hands them out. */
export async function freeLoopbackPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface TestRedis {
  readonly url: string;
  start(): Promise<void>;
  /** Kills it (SIGKILL), as an outage would. */
  stop(): Promise<void>;
}

export async function testRedis(): Promise<TestRedis> {
  const port = await freeLoopbackPort();
  let child: ChildProcess | null = null;
  const redis: TestRedis = {
    url: `redis://127.0.0.1:${port}/0`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const up = await new Promise<boolean>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
          socket.on('error', () => resolve(false));
        });
        if (up) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('redis-server did not start');
    },
    async stop() {
      if (!child) return;
      const running = child;
      child = null;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await redis.start();
  return redis;
}

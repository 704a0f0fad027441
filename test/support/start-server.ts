/**
 * Starts the real server (`node --import tsx src/main.ts`, exactly what `npm start` runs) on
 * a free loopback port with its own data directory, and stops it after the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunningServer {
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly adminKey: string;
  readonly pid: number;
  /** Settles with the process's exit code (null when a signal ended it) once it has exited. */
  readonly exited: Promise<number | null>;
  /** Everything the process printed to stdout so far. */
  stdout(): string;
  /** What the server wrote to stderr (crash reports). */
  stderr(): string;
  stop(): Promise<void>;
}

export interface StartServerOptions {
  /** Written as the config file (JSON); omitted: no config file at all. */
  readonly config?: unknown;
  readonly env?: Record<string, string>;
  /** Set to false to start without PIXELGATE_ADMIN_KEY. */
  readonly withAdminKey?: boolean;
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'pixelgate-e2e-'));
  const adminKey = `admin-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const env: Record<string, string> = {
    // As `npm start` and bin/pixelgate.js run it.
    MALLOC_ARENA_MAX: '2',
    MALLOC_MMAP_THRESHOLD_: '262144',
    ...(process.env as Record<string, string>),
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ...(options.withAdminKey === false ? {} : { PIXELGATE_ADMIN_KEY: adminKey }),
    ...options.env,
  };
  if (options.withAdminKey === false) delete env.PIXELGATE_ADMIN_KEY;
  if (options.config !== undefined) {
    const configPath = path.join(dataDir, 'pixelgate.json');
    await writeFile(configPath, JSON.stringify(options.config));
    env.PIXELGATE_CONFIG = configPath;
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repositoryRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      if (signal !== null) stderr += `\n[start-server] the process was ended by ${signal}\n`;
      resolve(code);
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s\n${stdout}\n${stderr}`)), 30_000);
    const onData = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}\n${stdout}\n${stderr}`));
    });
  });
  return {
    baseUrl,
    dataDir,
    adminKey,
    pid: child.pid!,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      // A process that already ended (by exit or by a signal) is not waited for again.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates a key through the admin API and returns its secret. */
export async function createKey(server: RunningServer, name = 'test'): Promise<{ id: string; key: string }> {
  const response = await fetch(`${server.baseUrl}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; key: string };
}

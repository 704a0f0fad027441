/**
 * Starts a real nginx (Debian's `/usr/sbin/nginx`) in front of a server under test, as a
 * non-daemon, single-process child with its own generated config: every path it writes (pid,
 * logs, request-body and proxy temp files) lives in a temp directory removed by `stop()`. It
 * listens on a free loopback port and proxies everything to one upstream. When nginx is not
 * installed this throws: a test that needs the proxy must fail, never skip silently.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { freeLoopbackPort } from './start-redis.ts';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const debianNginxBinary = '/usr/sbin/nginx';

export interface StartNginxOptions {
  /** Where requests go: only the origin (`http://127.0.0.1:port`) is used, paths pass unchanged. */
  readonly upstreamBaseUrl: string;
  /** More nodes beside `upstreamBaseUrl`: requests are spread round robin over all of them. */
  readonly moreUpstreamBaseUrls?: readonly string[];
  /** nginx's `proxy_read_timeout`: the longest silence from the upstream before nginx answers 504. */
  readonly proxyReadTimeoutSeconds: number;
  /** `proxy_buffering off` (needed for Server-Sent Events to pass as they are written). Default: on. */
  readonly proxyBufferingOff?: boolean;
  readonly nginxBinary?: string;
}

export interface RunningNginx {
  readonly baseUrl: string;
  /** nginx's error log so far (for assertion messages). */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

function nginxConfig(directory: string, port: number, options: StartNginxOptions): string {
  const nodes = [options.upstreamBaseUrl, ...(options.moreUpstreamBaseUrls ?? [])].map((url) => new URL(url).host);
  const file = (name: string) => path.join(directory, name);
  return `daemon off;
master_process off;
worker_processes 1;
pid ${file('nginx.pid')};
error_log ${file('error.log')} info;
events { worker_connections 256; }
http {
  access_log ${file('access.log')};
  client_body_temp_path ${file('client_body')};
  proxy_temp_path ${file('proxy')};
  fastcgi_temp_path ${file('fastcgi')};
  uwsgi_temp_path ${file('uwsgi')};
  scgi_temp_path ${file('scgi')};
  client_max_body_size 64m;
  upstream pixelgate_nodes {
${nodes.map((host) => `    server ${host};`).join('\n')}
    keepalive 8;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      # nginx passes a POST to the next node only when it never reached the first (connection
      # refused): an edit that began on a node is never started again elsewhere.
      proxy_pass http://pixelgate_nodes;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_read_timeout ${options.proxyReadTimeoutSeconds}s;
      proxy_send_timeout ${options.proxyReadTimeoutSeconds}s;
      proxy_buffering ${options.proxyBufferingOff ? 'off' : 'on'};
    }
  }
}
`;
}


function portAcceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntilListening(child: ChildProcess, port: number, timeoutMs: number): Promise<'listening' | 'exited'> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return 'exited';
    if (await portAcceptsConnections(port)) return 'listening';
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

export async function startNginx(options: StartNginxOptions): Promise<RunningNginx> {
  const nginxBinary = options.nginxBinary ?? debianNginxBinary;
  try {
    await access(nginxBinary, constants.X_OK);
  } catch {
    throw new Error(`nginx is not installed at ${nginxBinary} (apt-get install -y nginx); the proxied end-to-end tests need it`);
  }
  const directory = await mkdtemp(path.join(tmpdir(), 'pixelgate-nginx-'));
  const configPath = path.join(directory, 'nginx.conf');
  // A port picked free can be taken before nginx binds it: try a few.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freeLoopbackPort();
    await writeFile(configPath, nginxConfig(directory, port, options));
    for (const name of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(path.join(directory, name), { recursive: true });
    const child = spawn(nginxBinary, ['-p', directory, '-c', configPath, '-e', path.join(directory, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const spawnFailure = new Promise<never>((_, reject) => child.once('error', reject));
    const outcome = await Promise.race([waitUntilListening(child, port, 10_000), spawnFailure]);
    const errorLog = () => readFile(path.join(directory, 'error.log'), 'utf8').catch(() => '');
    if (outcome === 'exited') {
      const log = await errorLog();
      if (attempt < 3 && /Address already in use/.test(log + output)) continue;
      await rm(directory, { recursive: true, force: true });
      throw new Error(`nginx exited at start (code ${child.exitCode}):\n${output}\n${log}`);
    }
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      errorLog,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        await rm(directory, { recursive: true, force: true });
      },
    };
  }
  throw new Error('nginx could not bind a free loopback port in 3 attempts');
}

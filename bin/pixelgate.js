#!/usr/bin/env node
// Runs the TypeScript CLI (src/cli/main.ts) under tsx in a child Node process, passing the
// arguments through and exiting with the child's code (or re-raising the signal that ended it).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tsxLoaderUrl = import.meta.resolve('tsx');
const cliEntryPath = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

// Two malloc arenas: glibc's default (8 per core) lets libvips' and the fill workers' threads
// each keep their own, which took the server's peak RSS past 1 GB under the fuzz mix. Blocks
// of 256 KiB and up are mapped on their own and returned on free (glibc's threshold otherwise
// climbs to 32 MiB and the fills' freed pixel buffers stay in the heap): fuzz peak 1064 → 842 MB.
const child = spawn(process.execPath, ['--import', tsxLoaderUrl, cliEntryPath, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '262144', ...process.env },
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}

child.on('error', (error) => {
  process.stderr.write(`pixelgate: cannot start ${process.execPath}: ${error.message}\n`);
  process.exit(1);
});

child.on('exit', (code, signal) => {
  if (signal !== null) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});

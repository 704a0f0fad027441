/**
 * This process's node id, and the ids of earlier processes on the same data directory that are
 * gone. Each running process keeps `DATA_DIR/nodes/<id>.json` (its pid and host); a file whose
 * process no longer runs on this host belongs to a process that was killed or crashed, so the
 * work it held in the database (async tasks) can be recovered at once instead of waiting for
 * its leases to run out. Several processes may share one data directory: each has its own id.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

export interface NodeRegistration {
  readonly nodeId: string;
  /** Ids of earlier processes on this data directory that stopped without unregistering. */
  readonly departedNodeIds: readonly string[];
  /** Forgets the departed ids (their work was recovered). */
  forgetDeparted(): Promise<void>;
  /** Removes this process's file (at a clean shutdown). */
  unregister(): Promise<void>;
}

const nodeFilePattern = /^(node_[0-9a-f]{16})\.json$/;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function departed(directory: string, fileName: string): Promise<boolean> {
  try {
    const entry = JSON.parse(await readFile(path.join(directory, fileName), 'utf8')) as { pid?: unknown; host?: unknown };
    // Another host's process cannot be checked from here: its leases tell when it is gone.
    if (entry.host !== hostname() || typeof entry.pid !== 'number') return false;
    return !isRunning(entry.pid);
  } catch {
    // A file cut short by a crash while it was written.
    return true;
  }
}

export async function registerNode(dataDir: string): Promise<NodeRegistration> {
  const directory = path.join(dataDir, 'nodes');
  await mkdir(directory, { recursive: true });
  const departedNodeIds: string[] = [];
  for (const fileName of await readdir(directory)) {
    const match = nodeFilePattern.exec(fileName);
    if (match && (await departed(directory, fileName))) departedNodeIds.push(match[1]);
  }
  const nodeId = `node_${randomBytes(8).toString('hex')}`;
  const ownFile = path.join(directory, `${nodeId}.json`);
  await writeFile(ownFile, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }), { mode: 0o600 });
  return {
    nodeId,
    departedNodeIds,
    async forgetDeparted() {
      for (const id of departedNodeIds) await rm(path.join(directory, `${id}.json`), { force: true });
    },
    async unregister() {
      await rm(ownFile, { force: true });
    },
  };
}

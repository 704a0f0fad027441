/**
 * `TaskRecovery` keeps async tasks from staying open for ever: `start` fails the tasks left by
 * earlier processes on this data directory that are gone (and any whose lease ran out), then
 * looks again every lease period for tasks of nodes that stopped renewing; `stop` ends the
 * checks and lets the tasks running here finish within `drainMs`.
 */
import type { NodeRegistration } from '../storage/node-registry.ts';
import type { EditTasks } from './edit-tasks.ts';
import { defaultLeaseMs } from './lease-keeper.ts';

export class TaskRecovery {
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly tasks: EditTasks,
    private readonly node: Pick<NodeRegistration, 'departedNodeIds' | 'forgetDeparted'> | null,
    private readonly log: { error(fields: object, message: string): void },
    private readonly checkEveryMs: number = defaultLeaseMs,
  ) {}

  async start(): Promise<void> {
    if ((await this.#recover(this.node?.departedNodeIds ?? [])) && this.node) await this.node.forgetDeparted();
    this.#timer = setInterval(() => void this.#recover([]), this.checkEveryMs);
    this.#timer.unref();
  }

  async stop(drainMs: number): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.tasks.drain(drainMs);
  }

  async #recover(departed: readonly string[]): Promise<boolean> {
    try {
      await this.tasks.recoverInterrupted(departed);
      return true;
    } catch (error) {
      this.log.error({ err: error }, 'recovery of interrupted tasks failed; retried at the next check');
      return false;
    }
  }
}

/**
 * `EditRecovery` keeps the work of a process that died from staying open for ever. `start`
 * fails the async tasks left by earlier processes on this data directory that are gone (and
 * any whose lease ran out) and releases the credit reservations those processes still held
 * (synchronous edits killed mid-flight), then looks again every lease period for tasks of
 * nodes that stopped renewing. `stop` ends the checks and lets the tasks running here finish
 * within `drainMs`.
 */
import type { EditBilling } from '../billing/edit-billing.ts';
import type { NodeRegistration } from '../storage/node-registry.ts';
import type { EditTasks } from './edit-tasks.ts';
import { defaultLeaseMs } from './lease-keeper.ts';

export class EditRecovery {
  #timer: NodeJS.Timeout | null = null;
  /** Departed nodes whose work is not recovered yet (a failed attempt is retried at the next check). */
  #departed: readonly string[] = [];

  constructor(
    private readonly work: { readonly tasks: EditTasks | null; readonly billing: EditBilling | null },
    private readonly node: Pick<NodeRegistration, 'departedNodeIds' | 'forgetDeparted'> | null,
    private readonly log: { error(fields: object, message: string): void },
    private readonly checkEveryMs: number = defaultLeaseMs,
  ) {}

  async start(): Promise<void> {
    this.#departed = this.node?.departedNodeIds ?? [];
    await this.#check();
    this.#timer = setInterval(() => void this.#check(), this.checkEveryMs);
    this.#timer.unref();
  }

  async stop(drainMs: number): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.work.tasks?.drain(drainMs);
  }

  async #check(): Promise<void> {
    const departed = this.#departed;
    try {
      // Tasks first: failing one settles its reservation with its own usage record.
      await this.work.tasks?.recoverInterrupted(departed);
      if (departed.length > 0) {
        await this.work.billing?.releaseDeparted(departed);
        await this.node?.forgetDeparted();
        this.#departed = [];
      }
    } catch (error) {
      this.log.error({ err: error }, 'recovery of interrupted edits failed; retried at the next check');
    }
  }
}

/**
 * What every command receives: where to write, and how to reach the services. Tests pass
 * their own; `main.ts` wires stdout, stderr and the database named by the environment.
 */
import type { OpenedKeyStore } from './cli-database.ts';

export interface CliContext {
  /** Normal output (stdout). Text includes its own newlines. */
  readonly output: (text: string) => void;
  /** Diagnostics and errors (stderr). */
  readonly errorOutput: (text: string) => void;
  /** Opens the key store for one command; the command closes it. */
  readonly openKeyStore: () => Promise<OpenedKeyStore>;
}

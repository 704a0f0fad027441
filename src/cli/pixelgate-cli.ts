/**
 * The `pixelgate` program. Each command group lives in its own file and registers itself here;
 * add new groups (`edit`, `usage`, …) the same way.
 */
import { Command, CommanderError } from 'commander';
import type { CliContext } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { registerEditCommand } from './edit-command.ts';
import { registerKeysCommand } from './keys-command.ts';
import { registerUsageCommand } from './usage-command.ts';

export function createPixelgateCli(context: CliContext): Command {
  const program = new Command('pixelgate')
    .description('Pixelgate: OpenAI-compatible image edit server — administration commands')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: context.output, writeErr: context.errorOutput });
  registerKeysCommand(program, context);
  registerUsageCommand(program, context);
  registerEditCommand(program, context);
  return program;
}

/** Runs the program on `argv` (arguments only, without node and script) and returns the exit code. */
export async function runPixelgateCli(argv: readonly string[], context: CliContext): Promise<number> {
  const program = createPixelgateCli(context);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already printed its own usage errors and help.
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      context.errorOutput(`error: ${error.message}\n`);
      return error.exitCode;
    }
    context.errorOutput(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/**
 * `pixelgate usage summary|requests` and `pixelgate credit add`: usage per key, model or day
 * over a time range, the latest edits, and credit top-ups — over the same database the server
 * uses (`PIXELGATE_DATABASE_URL`, else `DATA_DIR/pixelgate.db`). Money in US dollars.
 */
import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { databaseUrlForDataDirectory, openDatabase } from '../accounts/database.ts';
import { SqlUsageLedger } from '../accounts/sql-usage-ledger.ts';
import { microToUsd, usdToMicro, type UsageGroupBy, type UsageLedger } from '../accounts/usage-ledger.ts';
import type { CliContext } from './cli-context.ts';
import { resolveDataDirectory, type CliEnvironment } from './cli-database.ts';
import { CliError } from './cli-error.ts';
import { formatTable } from './format-table.ts';

export interface OpenedUsageLedger {
  readonly ledger: UsageLedger;
  close(): Promise<void>;
}

/** A context that can also open the usage ledger; tests pass their own opener. */
export interface UsageCliContext extends CliContext {
  readonly openUsageLedger?: () => Promise<OpenedUsageLedger>;
}

export async function openUsageLedgerFromEnvironment(environment: CliEnvironment, workingDirectory: string): Promise<OpenedUsageLedger> {
  let url = environment.PIXELGATE_DATABASE_URL;
  if (url === undefined || url === '') {
    const dataDirectory = resolveDataDirectory(environment, workingDirectory);
    await fs.mkdir(dataDirectory, { recursive: true });
    url = databaseUrlForDataDirectory(dataDirectory);
  }
  const database = await openDatabase({ url });
  return { ledger: new SqlUsageLedger(database), close: () => database.close() };
}

const dayMs = 86_400_000;

function instant(text: string | undefined, option: string, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new CliError(`${option} must be an ISO 8601 date or time, got "${text}"`);
  return parsed;
}

function dollars(micro: number): string {
  return microToUsd(micro).toFixed(6);
}

export function registerUsageCommand(program: Command, context: UsageCliContext): void {
  const withLedger = async <T>(body: (ledger: UsageLedger) => Promise<T>): Promise<T> => {
    const opened = await (context.openUsageLedger ?? (() => openUsageLedgerFromEnvironment(process.env, process.cwd())))();
    try {
      return await body(opened.ledger);
    } finally {
      await opened.close();
    }
  };
  const usage = program.command('usage').description('show usage and cost per key, model or day');

  usage
    .command('summary')
    .description('edits, images and cost per group over [from, to)')
    .option('--from <iso>', 'start (inclusive); default: 30 days before --to')
    .option('--to <iso>', 'end (exclusive); default: now')
    .option('--group-by <group>', 'day, model or key', 'day')
    .action(async (options: { from?: string; to?: string; groupBy: string }) => {
      if (!['day', 'model', 'key'].includes(options.groupBy)) throw new CliError(`--group-by must be day, model or key, got "${options.groupBy}"`);
      const toMs = instant(options.to, '--to', Date.now());
      const fromMs = instant(options.from, '--from', toMs - 30 * dayMs);
      const rows = await withLedger((ledger) => ledger.summary({ fromMs, toMs, groupBy: options.groupBy as UsageGroupBy }));
      if (rows.length === 0) return context.output('No usage in this range.\n');
      const headers = [options.groupBy.toUpperCase(), ...(options.groupBy === 'key' ? ['NAME'] : []), 'EDITS', 'SUCCEEDED', 'FAILED', 'IMAGES', 'IN TOKENS', 'OUT TOKENS', 'COST USD'];
      context.output(
        formatTable(
          headers,
          rows.map((row) => [
            row.group === '' ? '(admin key)' : row.group,
            ...(options.groupBy === 'key' ? [row.keyName ?? ''] : []),
            String(row.edits),
            String(row.succeeded),
            String(row.failed),
            String(row.images),
            String(row.inputTokens),
            String(row.outputTokens),
            dollars(row.costMicroUsd),
          ]),
        ),
      );
    });

  usage
    .command('requests')
    .description('the latest edits, newest first')
    .option('--limit <count>', 'how many', '50')
    .option('--key <id>', 'only this key')
    .option('--model <id>', 'only this model')
    .action(async (options: { limit: string; key?: string; model?: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--limit must be an integer from 1 to 1000');
      const rows = await withLedger((ledger) => ledger.recentRequests({ limit, keyId: options.key, model: options.model }));
      if (rows.length === 0) return context.output('No edits recorded.\n');
      context.output(
        formatTable(
          ['REQUEST', 'CREATED', 'KEY', 'MODEL', 'CHANNEL', 'STATUS', 'HTTP', 'MS', 'IMAGES', 'IN TOKENS', 'TEXT', 'IMAGE', 'OUT TOKENS', 'COST USD'],
          rows.map((row) => [
            row.requestId,
            new Date(row.createdAtMs).toISOString(),
            row.keyName ?? '(admin key)',
            row.model,
            row.channel ?? '-',
            row.status,
            String(row.httpStatus),
            String(row.latencyMs),
            String(row.images),
            String(row.inputTokens),
            String(row.textTokens),
            String(row.imageTokens),
            String(row.outputTokens),
            dollars(row.costMicroUsd),
          ]),
        ),
      );
    });

  program
    .command('credit')
    .description("top up a key's credit")
    .command('add')
    .description('add dollars to a key (an unlimited key gets a balance of that amount)')
    .argument('<id>', 'the key id (key_…)')
    .argument('<amount-usd>', 'dollars to add, e.g. 25 or 2.50')
    .action(async (id: string, amountText: string) => {
      const amount = Number(amountText);
      if (!Number.isFinite(amount) || amount <= 0) throw new CliError(`<amount-usd> must be a positive number, got "${amountText}"`);
      const account = await withLedger(async (ledger) => ((await ledger.topUp(id, usdToMicro(amount))) ? ledger.account(id) : null));
      if (!account) throw new CliError(`no active API key with id "${id}"`);
      context.output(`Added $${amount.toFixed(2)} to ${id}; credit now $${dollars(account.creditMicroUsd ?? 0)}.\n`);
    });
}

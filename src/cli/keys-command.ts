/**
 * `pixelgate keys create|list|revoke`: API key administration over the accounts database.
 */
import type { Command } from 'commander';
import type { ApiKeyRecord, KeyStore } from '../accounts/key-store.ts';
import { CliError } from './cli-error.ts';
import type { CliContext } from './cli-context.ts';
import { formatTable } from './format-table.ts';

export function registerKeysCommand(program: Command, context: CliContext): void {
  const keys = program.command('keys').description('create, list and revoke API keys');

  keys
    .command('create')
    .description('create an API key and print its secret (shown only this once)')
    .requiredOption('--name <name>', 'a label for the key, e.g. who or what uses it')
    .action(async (options: { name: string }) => {
      const name = options.name.trim();
      if (name === '') throw new CliError('--name must not be empty');
      const created = await withKeyStore(context, (keyStore) => keyStore.create({ name }));
      context.output(
        `Created API key ${created.record.id} (${created.record.name}).\n` +
          `${created.key}\n` +
          'Store this key now: it cannot be shown again.\n',
      );
    });

  keys
    .command('list')
    .description('list every API key, newest first, revoked ones included')
    .action(async () => {
      const records = await withKeyStore(context, (keyStore) => keyStore.list());
      if (records.length === 0) {
        context.output('No API keys. Create one with: pixelgate keys create --name <name>\n');
        return;
      }
      context.output(formatTable(['ID', 'PREFIX', 'NAME', 'CREATED', 'LAST USED', 'STATUS'], records.map(toTableRow)));
    });

  keys
    .command('revoke')
    .description('revoke an API key; requests using it fail from the next one on')
    .argument('<id>', 'the key id, as shown by `keys list` (key_…)')
    .action(async (id: string) => {
      const revoked = await withKeyStore(context, (keyStore) => keyStore.revoke(id));
      if (!revoked) throw new CliError(`no active API key with id "${id}" (it does not exist or is already revoked)`);
      context.output(`Revoked API key ${id}.\n`);
    });
}

function toTableRow(record: ApiKeyRecord): string[] {
  return [
    record.id,
    `${record.prefix}…`,
    singleLine(record.name),
    new Date(record.createdAtMs).toISOString(),
    record.lastUsedAtMs === null ? 'never' : new Date(record.lastUsedAtMs).toISOString(),
    record.revokedAtMs === null ? 'active' : 'revoked',
  ];
}

/** Names are free text; control characters would break the table. */
function singleLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

async function withKeyStore<T>(context: CliContext, body: (keyStore: KeyStore) => Promise<T>): Promise<T> {
  const opened = await context.openKeyStore();
  try {
    return await body(opened.keyStore);
  } finally {
    await opened.close();
  }
}

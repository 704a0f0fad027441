/**
 * How the CLI finds the same database the server uses: `PIXELGATE_DATABASE_URL` when set,
 * otherwise `sqlite:<DATA_DIR>/pixelgate.db` with `DATA_DIR` defaulting to `./data`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { databaseUrlForDataDirectory, openDatabase } from '../accounts/database.ts';
import type { KeyStore } from '../accounts/key-store.ts';
import { SqlKeyStore } from '../accounts/sql-key-store.ts';

export type CliEnvironment = Readonly<Record<string, string | undefined>>;

export interface OpenedKeyStore {
  readonly keyStore: KeyStore;
  close(): Promise<void>;
}

export const defaultDataDirectory = './data';

export function resolveDataDirectory(environment: CliEnvironment, workingDirectory: string): string {
  const configured = environment.DATA_DIR;
  return path.resolve(workingDirectory, configured === undefined || configured === '' ? defaultDataDirectory : configured);
}

/** Opens the key store named by the environment, creating the data directory for SQLite. */
export async function openKeyStoreFromEnvironment(environment: CliEnvironment, workingDirectory: string): Promise<OpenedKeyStore> {
  const configuredUrl = environment.PIXELGATE_DATABASE_URL;
  let url: string;
  if (configuredUrl !== undefined && configuredUrl !== '') {
    url = configuredUrl;
  } else {
    const dataDirectory = resolveDataDirectory(environment, workingDirectory);
    await fs.mkdir(dataDirectory, { recursive: true });
    url = databaseUrlForDataDirectory(dataDirectory);
  }
  const database = await openDatabase({ url });
  return { keyStore: new SqlKeyStore(database), close: () => database.close() };
}

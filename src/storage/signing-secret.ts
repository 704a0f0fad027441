/**
 * The server's secret for signing result URLs, kept in `DATA_DIR/signing-secret` so URLs stay
 * valid across restarts and are shared by every process on the same data directory.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export const signingSecretByteLength = 32;
export const signingSecretFileName = 'signing-secret';

/**
 * The secret from `PIXELGATE_SIGNING_SECRET` (64 hex characters) when set — so nodes on
 * different data directories sign and verify each other's result URLs — else the data
 * directory's file (`loadOrCreateSigningSecret`).
 */
export async function resolveSigningSecret(dataDir: string, fromEnvironment: string | undefined): Promise<Buffer> {
  if (fromEnvironment === undefined || fromEnvironment === '') return loadOrCreateSigningSecret(dataDir);
  if (!/^[0-9a-fA-F]{64}$/.test(fromEnvironment)) throw new Error('PIXELGATE_SIGNING_SECRET must be 64 hexadecimal characters (32 bytes)');
  return Buffer.from(fromEnvironment, 'hex');
}

/**
 * Reads the 32-byte secret, creating it (mode 0600) on first use. Creation writes a private
 * temporary file and hard-links it into place: `link` fails when the name exists, so two
 * processes starting together both end up with the one secret that won, never half a file.
 */
export async function loadOrCreateSigningSecret(dataDir: string): Promise<Buffer> {
  const secretPath = path.join(dataDir, signingSecretFileName);
  const existing = await readSecret(secretPath);
  if (existing !== null) return existing;

  await fs.mkdir(dataDir, { recursive: true });
  const temporaryPath = `${secretPath}.tmp-${crypto.randomBytes(8).toString('hex')}`;
  const handle = await fs.open(temporaryPath, 'wx', 0o600);
  try {
    await handle.writeFile(crypto.randomBytes(signingSecretByteLength));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.link(temporaryPath, secretPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await fs.unlink(temporaryPath);
  }
  const created = await readSecret(secretPath);
  if (created === null) throw new Error(`Signing secret ${secretPath} vanished while being created`);
  return created;
}

async function readSecret(secretPath: string): Promise<Buffer | null> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(secretPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (bytes.length !== signingSecretByteLength) {
    throw new Error(
      `Signing secret ${secretPath} holds ${bytes.length} bytes, expected ${signingSecretByteLength}; ` +
        'delete it to create a new one (existing result URLs stop working)',
    );
  }
  return bytes;
}

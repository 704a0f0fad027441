/**
 * The fingerprint an `Idempotency-Key` is bound to: SHA-256 over the form's fields and the
 * SHA-256 of each file's bytes, in wire order with their field names. A retry that sends the
 * same fields and the same files has the same fingerprint whatever its filenames, boundary or
 * part headers; a changed prompt, option or image does not.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FormPart } from '../openai/form-parts.ts';

async function fileDigest(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `mode`: how the answer is asked for — directly (JSON or stream) or as an async task. */
export async function requestFingerprint(parts: readonly FormPart[], mode: 'direct' | 'async' = 'direct'): Promise<string> {
  const hash = createHash('sha256');
  if (mode === 'async') hash.update('async;');
  for (const part of parts) {
    const value = part.kind === 'field' ? `field:${part.value}` : `file:${await fileDigest(part.path)}`;
    // Length-prefixed, so no choice of values can make two different forms hash alike.
    const entry = `${part.fieldName}\u0000${value}`;
    hash.update(`${Buffer.byteLength(entry)}:${entry}`);
  }
  return hash.digest('hex');
}

/**
 * Signed result paths for `response_format=url`. The path carries its own expiry and an
 * HMAC-SHA256 over `"<key>.<expires>"`, so the results route can serve a blob without a
 * database lookup and anyone holding the URL can fetch it until it expires.
 *
 *   /v1/results/<key>?expires=<unix seconds>&signature=<base64url HMAC-SHA256>
 */
import crypto from 'node:crypto';

export type ResultSignatureVerdict = 'valid' | 'expired' | 'invalid';

const resultKeyPattern = /^[A-Za-z0-9_-]{8,128}$/;
const expiresPattern = /^[0-9]{1,15}$/;
/** 32 bytes of HMAC-SHA256 in unpadded base64url. */
const signaturePattern = /^[A-Za-z0-9_-]{43}$/;

function computeSignature(key: string, expiresSeconds: string, secret: Buffer): Buffer {
  return crypto.createHmac('sha256', secret).update(`${key}.${expiresSeconds}`, 'utf8').digest();
}

/**
 * The signed path for a result. `expires` is rounded down to whole seconds, so the URL never
 * outlives the blob it names.
 */
export function signResultPath(key: string, expiresAtMs: number, secret: Buffer): string {
  if (!resultKeyPattern.test(key)) throw new Error(`Invalid result key ${JSON.stringify(key)}`);
  const expiresSeconds = String(Math.floor(expiresAtMs / 1000));
  const signature = computeSignature(key, expiresSeconds, secret).toString('base64url');
  return `/v1/results/${key}?expires=${expiresSeconds}&signature=${signature}`;
}

/**
 * Checks a request's `expires` and `signature` query parameters for a key. The signature is
 * checked first, in constant time, so an unsigned request learns nothing about expiry; a
 * correctly signed URL is `expired` once `nowMs` is past `expires` seconds.
 */
export function verifyResultSignature(
  key: string,
  expiresParam: string,
  signatureParam: string,
  secret: Buffer,
  nowMs: number,
): ResultSignatureVerdict {
  if (!resultKeyPattern.test(key) || !expiresPattern.test(expiresParam) || !signaturePattern.test(signatureParam)) {
    return 'invalid';
  }
  const expected = computeSignature(key, expiresParam, secret);
  const given = Buffer.from(signatureParam, 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return 'invalid';
  return nowMs > Number(expiresParam) * 1000 ? 'expired' : 'valid';
}

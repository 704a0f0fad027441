import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { signResultPath, verifyResultSignature } from './signed-result-url.ts';

const secret = Buffer.alloc(32, 7);
const key = 'img_0123456789abcdef';
const expiresAtMs = 1_700_000_060_999;

function parse(signedPath: string) {
  const url = new URL(signedPath, 'http://localhost');
  return {
    pathname: url.pathname,
    expires: url.searchParams.get('expires') ?? '',
    signature: url.searchParams.get('signature') ?? '',
  };
}

test('the path names the key, whole-second expiry and a base64url HMAC of "key.expires"', () => {
  const expected = crypto.createHmac('sha256', secret).update(`${key}.1700000060`).digest('base64url');
  assert.equal(signResultPath(key, expiresAtMs, secret), `/v1/results/${key}?expires=1700000060&signature=${expected}`);
});

test('a signed path is valid until its expiry second has passed, then expired', () => {
  const { pathname, expires, signature } = parse(signResultPath(key, expiresAtMs, secret));
  assert.equal(pathname, `/v1/results/${key}`);
  assert.equal(verifyResultSignature(key, expires, signature, secret, 1_700_000_000_000), 'valid');
  assert.equal(verifyResultSignature(key, expires, signature, secret, 1_700_000_060_000), 'valid');
  assert.equal(verifyResultSignature(key, expires, signature, secret, 1_700_000_060_001), 'expired');
});

test('tampering with the key, expiry, signature or secret is invalid, even when expired', () => {
  const { expires, signature } = parse(signResultPath(key, expiresAtMs, secret));
  const now = 1_700_000_000_000;
  assert.equal(verifyResultSignature('img_0123456789abcdeF', expires, signature, secret, now), 'invalid');
  assert.equal(verifyResultSignature(key, String(Number(expires) + 1), signature, secret, now), 'invalid');
  assert.equal(verifyResultSignature(key, '1', signature, secret, now), 'invalid');
  const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
  assert.equal(verifyResultSignature(key, expires, flipped, secret, now), 'invalid');
  assert.equal(verifyResultSignature(key, expires, signature, Buffer.alloc(32, 8), now), 'invalid');
});

test('malformed parameters are invalid', () => {
  const { expires, signature } = parse(signResultPath(key, expiresAtMs, secret));
  const now = 1_700_000_000_000;
  for (const [badKey, badExpires, badSignature] of [
    ['../etc/passwd', expires, signature],
    [key, '', signature],
    [key, '-1', signature],
    [key, '1e12', signature],
    [key, ` ${expires}`, signature],
    [key, expires, ''],
    [key, expires, `${signature}=`],
    [key, expires, signature.slice(1)],
    [key, expires, Buffer.from(signature, 'base64url').toString('base64')],
  ]) {
    assert.equal(verifyResultSignature(badKey, badExpires, badSignature, secret, now), 'invalid', `${badKey} ${badExpires} ${badSignature}`);
  }
});

test('keys that could escape the results directory cannot be signed', () => {
  assert.throws(() => signResultPath('../secret', expiresAtMs, secret), /Invalid result key/);
  assert.throws(() => signResultPath('short', expiresAtMs, secret), /Invalid result key/);
});

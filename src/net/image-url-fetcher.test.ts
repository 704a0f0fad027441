/**
 * The image URL fetcher against a real loopback HTTP server: refused by default for loopback
 * literals, `localhost`, IPv4-mapped IPv6, metadata and private addresses; allowed when the
 * operator lists the range; a redirect to a refused address is refused; the size, redirect and
 * time caps hold; only https unless http is allowed.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AddressPolicy } from './address-policy.ts';
import { ImageUrlError, ImageUrlFetcher } from './image-url-fetcher.ts';

let server: http.Server;
let port = 0;
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);

before(async () => {
  server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/image.png') return void response.writeHead(200, { 'content-type': 'image/png' }).end(png);
    if (url.pathname === '/big') return void response.writeHead(200).end(Buffer.alloc(5000));
    if (url.pathname === '/chunked-big') {
      response.writeHead(200);
      for (let index = 0; index < 10; index += 1) response.write(Buffer.alloc(1000));
      return void response.end();
    }
    if (url.pathname === '/slow') return void setTimeout(() => response.writeHead(200).end(png), 1500);
    if (url.pathname === '/missing') return void response.writeHead(404).end();
    if (url.pathname === '/redirect') return void response.writeHead(302, { location: url.searchParams.get('to') ?? '/image.png' }).end();
    if (url.pathname === '/loop') return void response.writeHead(302, { location: '/loop' }).end();
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function fetcher(options: { allowedCidrs?: string[]; allowHttp?: boolean; maxBytes?: number; timeoutMs?: number } = {}) {
  return new ImageUrlFetcher({
    policy: new AddressPolicy({ allowedCidrs: options.allowedCidrs }),
    maxBytes: options.maxBytes ?? 4096,
    timeoutMs: options.timeoutMs ?? 3000,
    maxRedirects: 3,
    allowHttp: options.allowHttp ?? true,
  });
}

async function refusal(pending: Promise<unknown>): Promise<string> {
  const error = await pending.then(() => null, (failure: unknown) => failure);
  assert.ok(error instanceof ImageUrlError, `expected an ImageUrlError, got ${String(error)}`);
  return error.message;
}

describe('AddressPolicy', () => {
  it('refuses local, private, link-local, reserved and embedded forms; allows public addresses and listed ranges', () => {
    const policy = new AddressPolicy();
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a9fe:a9fe']) {
      assert.equal(policy.allows(address), false, address);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(policy.allows(address), true, address);
    const internal = new AddressPolicy({ allowedCidrs: ['10.20.0.0/16'], deniedCidrs: ['8.8.8.0/24'] });
    assert.equal(internal.allows('10.20.3.4'), true);
    assert.equal(internal.allows('10.21.3.4'), false);
    assert.equal(internal.allows('8.8.8.8'), false);
    assert.throws(() => new AddressPolicy({ allowedCidrs: ['10.0.0.0/33'] }), /invalid CIDR/);
  });
});

describe('ImageUrlFetcher', () => {
  it('refuses loopback by default: an IP literal, localhost, IPv4-mapped IPv6, and the metadata address', async () => {
    const strict = fetcher();
    try {
      for (const url of [`http://127.0.0.1:${port}/image.png`, `http://localhost:${port}/image.png`, `http://[::ffff:127.0.0.1]:${port}/image.png`, 'http://169.254.169.254/latest/meta-data/']) {
        assert.match(await refusal(strict.fetch(url)), /may not fetch from/, url);
      }
    } finally {
      await strict.close();
    }
  });

  it('fetches from a range the operator allowed, following a redirect, but not a redirect to a refused address', async () => {
    const internal = fetcher({ allowedCidrs: ['127.0.0.1/32'] });
    try {
      assert.deepEqual(await internal.fetch(`http://127.0.0.1:${port}/image.png`), png);
      assert.deepEqual(await internal.fetch(`http://127.0.0.1:${port}/redirect`), png);
      // 127.0.0.2 is loopback too, but not in the allowed range.
      const elsewhere = encodeURIComponent(`http://127.0.0.2:${port}/image.png`);
      assert.match(await refusal(internal.fetch(`http://127.0.0.1:${port}/redirect?to=${elsewhere}`)), /may not fetch from/);
      const viaName = encodeURIComponent(`http://localhost:${port}/image.png`);
      const localhostOutcome = await internal.fetch(`http://127.0.0.1:${port}/redirect?to=${viaName}`).then(() => 'fetched', (error: Error) => error.message);
      // localhost resolves to 127.0.0.1 (allowed) or ::1 (not): either it is fetched from the allowed address or refused.
      assert.ok(localhostOutcome === 'fetched' || /may not fetch from/.test(localhostOutcome), localhostOutcome);
    } finally {
      await internal.close();
    }
  });

  it('caps redirects, size (declared and streamed) and time; refuses 404s, credentials and plain http when not allowed', async () => {
    const internal = fetcher({ allowedCidrs: ['127.0.0.1/32'], timeoutMs: 800 });
    try {
      const base = `http://127.0.0.1:${port}`;
      assert.match(await refusal(internal.fetch(`${base}/loop`)), /redirected more than 3 times/);
      assert.match(await refusal(internal.fetch(`${base}/big`)), /larger than 4096 bytes/);
      assert.match(await refusal(internal.fetch(`${base}/chunked-big`)), /larger than 4096 bytes/);
      assert.match(await refusal(internal.fetch(`${base}/slow`)), /did not download within 800 ms/);
      assert.match(await refusal(internal.fetch(`${base}/missing`)), /HTTP 404/);
      assert.match(await refusal(internal.fetch(`http://user:secret@127.0.0.1:${port}/image.png`)), /credentials/);
      assert.match(await refusal(internal.fetch('ftp://example.com/a.png')), /only http and https/);
      assert.match(await refusal(internal.fetch('not a url')), /not a valid URL/);
    } finally {
      await internal.close();
    }
    const httpsOnly = fetcher({ allowedCidrs: ['127.0.0.1/32'], allowHttp: false });
    assert.match(await refusal(httpsOnly.fetch(`http://127.0.0.1:${port}/image.png`)), /only https/);
    await httpsOnly.close();
  });
});

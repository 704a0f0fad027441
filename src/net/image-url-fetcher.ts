/**
 * `ImageUrlFetcher`: downloads an image a client named by URL (a JSON edit's `image_url`),
 * safely. Only `https:` (and `http:` when allowed) on the default ports or any port the
 * operator allows; the host name is resolved once per connection and the connection is made to
 * the address that was checked (no second lookup a rebinding DNS could answer differently);
 * every address must pass the `AddressPolicy`, IP literals included; redirects are followed by
 * hand, at most `maxRedirects`, each hop checked again; the time and the size are capped
 * (`Content-Length` refused early, the body cut at the cap). Every refusal is an
 * `ImageUrlError` whose message can be shown to the client (it never names internal addresses).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import type { AddressPolicy } from './address-policy.ts';

export interface ImageUrlFetcherOptions {
  readonly policy: AddressPolicy;
  readonly maxBytes: number;
  /** For the whole download, redirects included. */
  readonly timeoutMs: number;
  readonly maxRedirects: number;
  /** `http:` URLs too (default: `https:` only). */
  readonly allowHttp: boolean;
  /** PEM certificates trusted besides Node's bundled roots (an internal store's own CA). */
  readonly extraCaCertificates?: readonly string[];
}

export class ImageUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageUrlError';
  }
}

const refusedAddress = 'it resolves to an address this server may not fetch from (private, loopback, link-local or reserved)';

export class ImageUrlFetcher {
  readonly #options: ImageUrlFetcherOptions;
  readonly #agent: Agent;

  constructor(options: ImageUrlFetcherOptions) {
    this.#options = options;
    const policy = options.policy;
    const checkedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
      dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
        if (error) return callback(error, '', 4);
        const allowed = (addresses as LookupAddress[]).filter((entry) => policy.allows(entry.address));
        if (allowed.length === 0) return callback(Object.assign(new Error(refusedAddress), { code: 'PIXELGATE_REFUSED_ADDRESS' }), '', 4);
        if ((lookupOptions as { all?: boolean }).all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, allowed);
        callback(null, allowed[0].address, allowed[0].family);
      });
    };
    this.#agent = new Agent({
      connect: {
        lookup: checkedLookup,
        timeout: options.timeoutMs,
        ...(options.extraCaCertificates?.length ? { ca: [...rootCertificates, ...options.extraCaCertificates] } : {}),
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connections: 16,
    });
  }

  async fetch(url: string, signal?: AbortSignal): Promise<Buffer> {
    const deadline = AbortSignal.timeout(this.#options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let current = this.#checkUrl(url);
    for (let hop = 0; ; hop += 1) {
      let response;
      try {
        response = await request(current, { method: 'GET', dispatcher: this.#agent, signal: combined, headers: { accept: 'image/*' } });
      } catch (error) {
        throw this.#transportError(error, deadline.aborted);
      }
      const { statusCode, headers, body } = response;
      if (statusCode >= 300 && statusCode < 400 && headers.location !== undefined) {
        await body.dump().catch(() => {});
        if (hop >= this.#options.maxRedirects) throw new ImageUrlError(`it redirected more than ${this.#options.maxRedirects} times`);
        const location = Array.isArray(headers.location) ? headers.location[0] : headers.location;
        current = this.#checkUrl(new URL(location, current).href);
        continue;
      }
      if (statusCode !== 200) {
        await body.dump().catch(() => {});
        throw new ImageUrlError(`the server answered HTTP ${statusCode}`);
      }
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > this.#options.maxBytes) {
        body.destroy();
        throw new ImageUrlError(`it is larger than ${this.#options.maxBytes} bytes`);
      }
      return this.#readCapped(body, deadline);
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  #checkUrl(text: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new ImageUrlError('it is not a valid URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.#options.allowHttp)) {
      throw new ImageUrlError(this.#options.allowHttp ? 'only http and https URLs can be fetched' : 'only https URLs can be fetched');
    }
    if (url.username !== '' || url.password !== '') throw new ImageUrlError('URLs with credentials are not fetched');
    // An IP literal is connected to without a lookup: check it here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && !this.#options.policy.allows(host)) throw new ImageUrlError(refusedAddress);
    return url;
  }

  async #readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, deadline: AbortSignal): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of body) {
        total += chunk.length;
        if (total > this.#options.maxBytes) {
          body.destroy();
          throw new ImageUrlError(`it is larger than ${this.#options.maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof ImageUrlError) throw error;
      throw this.#transportError(error, deadline.aborted);
    }
    return Buffer.concat(chunks);
  }

  #transportError(error: unknown, timedOut: boolean): Error {
    if (timedOut) return new ImageUrlError(`it did not download within ${this.#options.timeoutMs} ms`);
    const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'PIXELGATE_REFUSED_ADDRESS' || (error instanceof Error && error.message === refusedAddress)) return new ImageUrlError(refusedAddress);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new ImageUrlError('its host name could not be resolved');
    if (error instanceof Error && error.name === 'AbortError') return error;
    return new ImageUrlError('it could not be downloaded');
  }
}

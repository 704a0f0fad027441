/**
 * HTTP over a plain TCP socket, so tests send exactly the bytes they mean — paths no client
 * library would normalise, broken framing, odd headers — and read exactly what came back.
 */
import net from 'node:net';

export interface RawResponse {
  /** Every byte the server sent before closing (or before the read stopped). */
  readonly raw: Buffer;
  readonly status: number;
  /** Header names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as framed by `content-length` (or everything after the head without one). */
  readonly body: string;
  /** Milliseconds from the first byte written to the end of the response. */
  readonly elapsedMs: number;
}

export interface RawExchangeOptions {
  /** Give up (rejecting) after this long without the response complete. */
  readonly timeoutMs?: number;
  /** Half-close (FIN) after writing the request; by default the socket stays open for writing. */
  readonly endAfterWrite?: boolean;
  /** Resolve only when the server closed the connection (`raw` then holds all it sent). */
  readonly untilClosed?: boolean;
}

export function parseRawResponse(raw: Buffer, elapsedMs: number): RawResponse | null {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const [statusLine, ...headerLines] = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const bodyBytes = raw.subarray(headEnd + 4);
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (bodyBytes.length < length) return null;
    return { raw, status: Number(match[1]), headers, body: bodyBytes.subarray(0, length).toString('utf8'), elapsedMs };
  }
  return { raw, status: Number(match[1]), headers, body: bodyBytes.toString('utf8'), elapsedMs };
}

/**
 * Writes `request` to the server at `baseUrl` and resolves with its first response once it is
 * complete (by `content-length`) or the server closed the connection.
 */
export function rawExchange(baseUrl: string, request: Buffer | string, options: RawExchangeOptions = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = net.connect({ host: hostname, port: Number(port) });
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const response = parseRawResponse(Buffer.concat(chunks), performance.now() - startedAt);
      if (response) resolve(response);
      else reject(error ?? new Error(`connection closed without a complete response: ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`));
    };
    const timer = setTimeout(() => finish(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const response = parseRawResponse(Buffer.concat(chunks), 0);
      if (!options.untilClosed && response && response.headers['content-length'] !== undefined) finish(null);
    });
    socket.on('end', () => finish(null));
    socket.on('close', () => finish(null));
    socket.on('error', (error) => finish(error));
    socket.write(request, () => {
      if (options.endAfterWrite) socket.end();
    });
  });
}

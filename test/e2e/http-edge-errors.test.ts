/**
 * Every answer is OpenAI's envelope with a JSON content type (issue 9, item 3), including what
 * Node's HTTP parser and Fastify's router refuse before any route runs: exact status, headers
 * and body bytes over raw sockets, against the real server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../support/start-server.ts';
import { rawExchange, type RawResponse } from '../support/raw-http.ts';
import { healthyBody } from '../support/healthy-body.ts';

let server: RunningServer;

before(async () => {
  server = await startServer({ config: { models: { served: [{ id: 'dall-e-2', rules: 'dall-e-2', engine: 'stand-in' }] } } });
});
after(async () => server?.stop());

const envelope = (message: string, code: string | null) =>
  JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } });
const notHttp = (reason: string) => envelope(`The request is not valid HTTP/1.1: ${reason}.`, 'invalid_http_request');

function assertEnvelope(response: RawResponse, status: number, body: string, context: string): void {
  assert.equal(response.status, status, `${context}: ${response.raw.toString('latin1').slice(0, 300)}`);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8', context);
  assert.equal(response.headers['content-length'], String(Buffer.byteLength(body)), context);
  assert.equal(response.body, body, context);
  assert.match(response.headers['x-request-id'] ?? '', /^req_[0-9a-f]{32}$/, context);
}

const admin = () => `Authorization: Bearer ${server.adminKey}\r\n`;

interface Probe {
  readonly name: string;
  readonly request: () => string;
  readonly status: number;
  readonly body: string;
  /** The connection must be closed after the answer (the parser cannot go on). */
  readonly closes: boolean;
  /** The client half-closes (FIN) right after sending. */
  readonly halfCloses?: boolean;
}

const cutShort = () => notHttp('the client closed its side of the connection before the request was complete');

const probes: readonly Probe[] = [
  {
    name: 'a Content-Length that is not a number',
    request: () => 'POST /admin/keys HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    status: 400,
    body: notHttp('its Content-Length header is not a non-negative integer'),
    closes: true,
  },
  {
    name: 'a negative Content-Length',
    request: () => 'POST /admin/keys HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    status: 400,
    body: notHttp('its Content-Length header is not a non-negative integer'),
    closes: true,
  },
  {
    name: 'two Content-Length headers',
    request: () => 'POST /admin/keys HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    status: 400,
    body: notHttp('it has more than one Content-Length header'),
    closes: true,
  },
  {
    name: 'Content-Length with chunked',
    request: () => 'POST /admin/keys HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    status: 400,
    body: notHttp('it has both Transfer-Encoding and Content-Length headers'),
    closes: true,
  },
  {
    name: 'a malformed chunk size',
    request: () => `POST /admin/keys HTTP/1.1\r\nHost: x\r\n${admin()}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
    status: 400,
    body: notHttp('its chunked body is malformed'),
    closes: true,
  },
  {
    name: 'Transfer-Encoding: gzip',
    request: () => `POST /admin/keys HTTP/1.1\r\nHost: x\r\n${admin()}Content-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\nabc`,
    status: 400,
    body: notHttp("its Transfer-Encoding is not 'chunked', the only transfer coding this server accepts"),
    closes: true,
  },
  {
    name: 'an unknown method',
    request: () => 'FROB /health HTTP/1.1\r\nHost: x\r\n\r\n',
    status: 400,
    body: notHttp('its method is not an HTTP method, or bytes follow the end of the previous request body'),
    closes: true,
  },
  {
    name: 'an unsupported HTTP version',
    request: () => 'GET /health HTTP/7.0\r\nHost: x\r\n\r\n',
    status: 400,
    body: notHttp('its HTTP version is not 1.0 or 1.1, or the request line is malformed'),
    closes: true,
  },
  {
    name: 'a malformed header line',
    request: () => 'GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n',
    status: 400,
    body: notHttp('a header line is malformed'),
    closes: true,
  },
  {
    name: 'headers over 16 KB',
    request: () => `GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
    status: 431,
    body: envelope("The request headers are larger than this server's limit of 16 KB.", 'request_header_fields_too_large'),
    closes: true,
  },
  {
    name: 'an HTTP/1.1 request without Host',
    request: () => 'GET /health HTTP/1.1\r\nConnection: close\r\n\r\n',
    status: 400,
    body: notHttp('it has no Host header'),
    closes: true,
  },
  {
    name: 'a path that is not valid percent-encoding',
    request: () => 'GET /v1/models/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    status: 400,
    body: notHttp('its path is not valid percent-encoding'),
    closes: true,
  },
  {
    name: 'a result key over 100 characters',
    request: () => `GET /v1/results/${'a'.repeat(150)}?expires=1&signature=x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    status: 414,
    body: envelope("A segment of the request path is longer than this server's limit of 100 characters.", 'uri_too_long'),
    closes: true,
  },
  {
    name: 'a JSON body cut short by FIN',
    request: () => `POST /admin/keys HTTP/1.1\r\nHost: x\r\n${admin()}Content-Type: application/json\r\nContent-Length: 30\r\n\r\n{"name":"cut"}`,
    status: 400,
    body: cutShort(),
    closes: true,
    halfCloses: true,
  },
  {
    name: 'a chunked body cut short by FIN',
    request: () => `POST /admin/keys HTTP/1.1\r\nHost: x\r\n${admin()}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"nam`,
    status: 400,
    body: cutShort(),
    closes: true,
    halfCloses: true,
  },
  {
    name: 'headers cut short by FIN',
    request: () => 'GET /health HTTP/1.1\r\nHost: x\r\n',
    status: 400,
    body: cutShort(),
    closes: true,
    halfCloses: true,
  },
  {
    name: 'an unknown route',
    request: () => 'GET /v2/nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    status: 404,
    body: envelope('Invalid URL (GET /v2/nothing)', null),
    closes: true,
  },
  {
    name: 'a known path with a method it does not take',
    request: () => 'GET /v1/images/edits HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    status: 405,
    body: envelope('Method not allowed (GET /v1/images/edits). This URL takes POST.', 'method_not_allowed'),
    closes: true,
  },
];

describe('answers outside the routes, in the envelope', () => {
  for (const probe of probes) {
    it(probe.name, async () => {
      const response = await rawExchange(server.baseUrl, probe.request(), {
        untilClosed: probe.closes,
        endAfterWrite: probe.halfCloses === true,
        timeoutMs: 5_000,
      });
      assertEnvelope(response, probe.status, probe.body, probe.name);
      if (probe.closes) {
        assert.equal(response.headers.connection, 'close', probe.name);
        // Exactly one response, nothing after its body.
        assert.equal(response.raw.length, response.raw.indexOf('\r\n\r\n') + 4 + Buffer.byteLength(probe.body), probe.name);
      }
    });
  }

  it('lists the methods a path takes in Allow on a 405', async () => {
    const response = await rawExchange(server.baseUrl, 'PUT /admin/keys HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assertEnvelope(response, 405, envelope('Method not allowed (PUT /admin/keys). This URL takes GET, HEAD, POST.', 'method_not_allowed'), 'PUT');
    assert.equal(response.headers.allow, 'GET, HEAD, POST');
  });

  it('answers an Expect other than 100-continue with the 417 envelope (Node sent an empty body)', async () => {
    const response = await rawExchange(
      server.baseUrl,
      'POST /v1/images/edits HTTP/1.1\r\nHost: x\r\nExpect: nonsense\r\nContent-Length: 5\r\n\r\n',
      { untilClosed: true },
    );
    assertEnvelope(response, 417, envelope('The Expect header "nonsense" is not supported; only 100-continue is.', 'expectation_failed'), 'Expect');
  });

  it('still answers an HTTP/1.0 request without Host', async () => {
    const response = await rawExchange(server.baseUrl, 'GET /health HTTP/1.0\r\n\r\n', { untilClosed: true });
    assert.equal(response.status, 200);
    assert.equal(response.body, healthyBody);
  });

  it('answers the request before bytes that follow its body, then closes', async () => {
    const body = '{"name":"before-garbage"}';
    const request =
      `POST /admin/keys HTTP/1.1\r\nHost: x\r\n${admin()}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
      'XYZ\r\n\r\n';
    const response = await rawExchange(server.baseUrl, request, { untilClosed: true });
    assert.equal(response.status, 201, response.raw.toString('latin1'));
    assert.equal(JSON.parse(response.body).name, 'before-garbage');
    assert.equal(response.raw.toString('latin1').match(/HTTP\/1\.1 /g)?.length, 1);
  });
});

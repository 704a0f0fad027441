/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request — a bad, negative or
 * duplicate `Content-Length`, `Content-Length` with `chunked`, a broken chunk, a
 * `Transfer-Encoding` other than chunked, an unknown method, bytes after the declared body,
 * headers over Node's 16 KB, the header and request timeouts — with the OpenAI envelope, as a
 * complete HTTP/1.1 response, then closes the connection (Fastify's `clientErrorHandler`).
 *
 * When the refused bytes follow a request that was wholly received, that request keeps its own
 * answer and the connection closes after it (writing ours too would corrupt or replace it). The
 * socket is ended rather than destroyed, and destroyed after a short linger, so a client still
 * sending reads the answer instead of a reset.
 */
import type { Socket } from 'node:net';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { apiError, type ApiError } from '../openai/error-catalogue.ts';
import { LINGER_CLOSE_MS } from './linger-close.ts';
import { newRequestId, OPENAI_VERSION } from './response-headers.ts';

export interface ConnectionTimeouts {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

type ParserError = Error & { code?: string; reason?: string };

/** Why llhttp refused the request, in words for the client. */
function parserErrorReason(error: ParserError): string {
  switch (error.code) {
    case 'HPE_INVALID_CONTENT_LENGTH':
      return 'its Content-Length header is not a non-negative integer';
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return 'it has more than one Content-Length header';
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return /content-length/i.test(error.reason ?? '')
        ? 'it has both Transfer-Encoding and Content-Length headers'
        : "its Transfer-Encoding is not 'chunked', the only transfer coding this server accepts";
    case 'HPE_INVALID_EOF_STATE':
      return 'the client closed its side of the connection before the request was complete';
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
    case 'HPE_STRICT':
      return 'its chunked body is malformed';
    case 'HPE_INVALID_METHOD':
      return 'its method is not an HTTP method, or bytes follow the end of the previous request body';
    case 'HPE_INVALID_VERSION':
      return 'its HTTP version is not 1.0 or 1.1, or the request line is malformed';
    case 'HPE_INVALID_URL':
      return 'its request target is malformed';
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
      return 'a header line is malformed';
    default:
      return 'it could not be parsed';
  }
}

export function clientErrorToApiError(error: ParserError, timeouts: ConnectionTimeouts): ApiError {
  if (error.code === 'HPE_HEADER_OVERFLOW') return apiError('headers_too_large', { limitBytes: 16 * 1024 });
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return apiError('request_receive_timeout', timeouts);
  return apiError('malformed_http_request', { reason: parserErrorReason(error) });
}

/** The complete response, head and body, as bytes for the socket. */
export function renderRawErrorResponse(error: ApiError): Buffer {
  const body = Buffer.from(JSON.stringify(error.body));
  const head = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${body.length}`,
    `x-request-id: ${newRequestId()}`,
    `openai-version: ${OPENAI_VERSION}`,
    'connection: close',
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

const answeredSockets = new WeakSet<Socket>();

function lingerThenDestroy(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_CLOSE_MS).unref();
}

export function createClientErrorHandler(timeouts: ConnectionTimeouts) {
  return function handleClientError(this: FastifyInstance, error: ParserError, socket: Socket): void {
    // llhttp reports every further chunk on a failed connection again; the first answer stands.
    if (answeredSockets.has(socket)) return;
    answeredSockets.add(socket);
    if (error.code === 'ECONNRESET' || socket.destroyed) {
      socket.destroy();
      return;
    }
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    const apiFailure = clientErrorToApiError(error, timeouts);
    this.log.info({ code: error.code, status: apiFailure.status }, 'client error');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    // The bytes after a complete request are not a request: that one still gets its answer
    // (and nothing else), then the connection closes.
    if (inFlight && (inFlight.headersSent || inFlight.req.complete)) {
      inFlight.shouldKeepAlive = false;
      if (inFlight.writableFinished) lingerThenDestroy(socket);
      else inFlight.once('finish', () => lingerThenDestroy(socket)).once('close', () => lingerThenDestroy(socket));
      return;
    }
    socket.write(renderRawErrorResponse(apiFailure));
    lingerThenDestroy(socket);
  };
}

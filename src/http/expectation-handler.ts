/**
 * An `Expect` header other than `100-continue`: Node answers 417 itself, with an empty body and
 * no content type; here it gets the 417 envelope instead, and the connection closes (the body
 * the client may still send is not read).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { apiError } from '../openai/error-catalogue.ts';
import { renderRawErrorResponse } from './client-error-handler.ts';

export function registerExpectationHandler(server: Server): void {
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const failure = apiError('expectation_failed', { expectation: String(request.headers.expect ?? '').slice(0, 100) });
    // Nothing has been written on this response: the raw answer goes out as the only one.
    response.shouldKeepAlive = false;
    response.socket?.end(renderRawErrorResponse(failure));
  });
}

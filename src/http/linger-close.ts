/**
 * Closing a connection whose request body was refused part-way ("lingering close", as nginx
 * does). Node destroys the socket as soon as a `Connection: close` response is flushed; a
 * client still uploading then gets a TCP reset, and the reset can discard the error response
 * before the client reads it — it sees ECONNRESET instead of our 413. Instead we send FIN after
 * the response, discard whatever the client keeps sending for a short while, then destroy.
 */
import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';

export const LINGER_CLOSE_MS = 2_000;

export function lingerCloseAfterResponse(request: FastifyRequest, lingerMs = LINGER_CLOSE_MS): void {
  const socket = request.raw.socket as Socket & { destroySoon?: () => void };
  if (!socket || socket.destroyed) return;
  socket.destroySoon = function lingeringClose(this: Socket) {
    if (this.writable) this.end();
    request.raw.resume();
    this.resume();
    setTimeout(() => this.destroy(), lingerMs).unref();
  };
}

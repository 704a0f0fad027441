/**
 * Connections during a graceful shutdown (`app.close()`, on SIGTERM). Fastify closes the
 * connections that are idle when the close begins, but a request still in flight then was
 * answered with `Connection: keep-alive`, and its socket stayed open after the answer until the
 * keep-alive timeout — longer than the shutdown grace, so the process was killed with exit 1.
 * Here, once the close begins:
 *  - answers still to be sent carry `Connection: close`, so Node ends their socket after them;
 *  - after any answer (streams whose headers went out earlier included) idle sockets are closed;
 *  - a request that arrives on a kept-alive socket gets the 503 envelope, with `Connection: close`;
 *  - a connection that has not sent a byte (undici opens one after an aborted fetch;
 *    pre-connecting clients and balancers do too) is closed: Node's `closeIdleConnections`
 *    skips such sockets, and one would otherwise hold the close until the grace timer fired.
 *    One with part of a request head is left to finish it and get the 503.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { apiError } from '../openai/error-catalogue.ts';

export function registerShutdownConnections(app: FastifyInstance): void {
  let closing = false;
  const unused = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    if (closing) return void socket.destroy();
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  app.server.on('request', (request: { socket: Socket }) => unused.delete(request.socket));
  const closeUnused = () => {
    for (const socket of unused) if (socket.bytesRead === 0) socket.destroy();
  };
  app.addHook('preClose', (done) => {
    closing = true;
    closeUnused();
    done();
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    throw apiError('server_shutting_down');
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing && !reply.raw.headersSent) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async () => {
    if (closing) setImmediate(() => app.server.closeIdleConnections());
    if (closing) closeUnused();
  });
}

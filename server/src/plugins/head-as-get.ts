import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * A HEAD request is answered by the GET route of its path, as Starlette (and Fastify's default
 * `exposeHeadRoutes`) do, without registering a HEAD twin of every GET route: those twins were ~400 of
 * the ~800 routes a start registers (and Fastify looked each one up first), ~20 ms of start-up CPU.
 * buildApp turns `exposeHeadRoutes` off and calls this once.
 *
 * The request is routed as GET and is HEAD again as soon as routing returns, so hooks, guards, handlers
 * and the request log see HEAD as before. Node already knows not to send a body for it (it decided
 * that from the method when the request arrived), so the client gets the GET route's status and headers,
 * content-length included, and no body. Routes that declare HEAD themselves (@fastify/static) are routed
 * the same way, to the same handler.
 */
export function answerHeadWithGet(app: FastifyInstance): void {
  const server = app.server;
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  if (handlers.length !== 1) throw new Error(`answerHeadWithGet: expected Fastify's one request handler, found ${handlers.length}`);
  const [route] = handlers as [(req: IncomingMessage, res: ServerResponse) => void];
  server.removeListener('request', route);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'HEAD') return route.call(server, req, res);
    req.method = 'GET';
    try {
      route.call(server, req, res);
    } finally {
      req.method = 'HEAD';
    }
  });
}

import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { AppContext } from '../context.js';
import { ERROR_MESSAGES } from '../errors/messages.js';

/**
 * Request limits that protect the process without breaking legitimate use:
 * - request target longer than MAX_URL_LENGTH -> 414 (Node itself caps request line + headers at 16 KiB -> 431);
 * - unauthenticated API calls per client IP per minute -> 429 (counters in ctx.state, so Redis makes them
 *   shared across instances);
 * - body size is Fastify's bodyLimit (413, JSON detail via the error handler); upload routes raise it per route.
 * There is deliberately no total request timeout: a chat stream may run for many minutes.
 */

// Probes from load balancers and orchestrators must never be throttled.
const EXEMPT = new Set(['/health', '/health/db', '/ready']);
const LIMITED_PREFIXES = ['/api/', '/ollama/', '/openai/', '/oauth/', '/ws/'];

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function isPublic(config: { auth?: string } | undefined): boolean {
  const level = config?.auth;
  return level === undefined || level === 'public';
}

/** A request body that stops arriving for this long is abandoned (slow-upload protection). */
export const BODY_IDLE_TIMEOUT_MS = 60_000;

type Done = (err?: Error) => void;

/**
 * The limits as steps of the edge's hooks (./edge.ts): `onRequest` ends with `done()` (or answers),
 * `preHandler` is a hook of its own, `onRoute` attaches the public rate limit per route.
 */
export function limitSteps(ctx: Pick<AppContext, 'config' | 'state'>, bodyIdleMs = BODY_IDLE_TIMEOUT_MS) {
  const { maxUrlLength, publicRateLimitPerMinute } = ctx.config.limits;

  const rateLimited = async (request: FastifyRequest, reply: FastifyReply) => {
    const now = Date.now();
    const window = Math.floor(now / 60_000);
    const count = await ctx.state.incr(`ratelimit:public:${request.ip}:${window}`, 60);
    if (count > publicRateLimitPerMinute) {
      const retryAfter = Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000));
      reply.code(429).header('Retry-After', String(retryAfter)).send({ detail: ERROR_MESSAGES.RATE_LIMIT_EXCEEDED });
      return true;
    }
    return false;
  };
  const limitPublic = (request: FastifyRequest, reply: FastifyReply, done: Done) => {
    const path = pathOf(request.url);
    if (EXEMPT.has(path) || !LIMITED_PREFIXES.some((p) => path.startsWith(p))) return done();
    rateLimited(request, reply).then((sent) => (sent ? undefined : done()), done);
  };
  return {
    onRequest(request: FastifyRequest, reply: FastifyReply, done: Done): void {
      // Only the upload phase gets an idle timeout; once the handler runs, the socket may stay quiet for
      // as long as a model takes to answer. (Headers are covered by Node's headersTimeout, idle
      // keep-alive connections by keepAliveTimeout.)
      request.raw.socket?.setTimeout(bodyIdleMs);
      if (request.url.length > maxUrlLength) {
        reply.code(414).send({ detail: `Request URL is too long (over ${maxUrlLength} characters)` });
        return;
      }
      // Public routes carry the counter as their own hook (onRoute); an unknown path is public too.
      if (publicRateLimitPerMinute <= 0 || !request.is404) return done();
      limitPublic(request, reply, done);
    },
    preHandler(request: FastifyRequest, _reply: FastifyReply, done: Done): void {
      request.raw.socket?.setTimeout(0);
      done();
    },
    // Known per route at registration, so no request pays for Fastify's routeOptions getter to find out.
    onRoute: publicRateLimitPerMinute > 0
      ? (route: RouteOptions) => {
          if (!isPublic(route.config)) return;
          route.onRequest = [...[route.onRequest ?? []].flat(), limitPublic] as typeof route.onRequest;
        }
      : null,
  };
}

/** The limits on their own (the edge folds them into its hooks). Callback hooks: no promise per request. */
export function registerLimits(app: FastifyInstance, ctx: Pick<AppContext, 'config' | 'state'>, bodyIdleMs = BODY_IDLE_TIMEOUT_MS): void {
  const steps = limitSteps(ctx, bodyIdleMs);
  app.addHook('onRequest', steps.onRequest);
  app.addHook('preHandler', steps.preHandler);
  if (steps.onRoute) app.addHook('onRoute', steps.onRoute);
}

/**
 * Replaces Fastify's client-error responder so even requests that never reach a route (oversized
 * headers, malformed request lines, header timeouts) get the `{"detail": ...}` shape.
 */
export function handleClientError(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let detail = 'Bad Request';
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    detail = 'Request headers (or URL) too large';
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    detail = 'Request timed out while sending headers';
  }
  this.log.debug({ code: err.code }, 'client error');
  const body = JSON.stringify({ detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

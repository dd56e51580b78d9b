import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
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

function isPublic(request: FastifyRequest): boolean {
  const level = request.routeOptions.config?.auth;
  return level === undefined || level === 'public';
}

/** A request body that stops arriving for this long is abandoned (slow-upload protection). */
export const BODY_IDLE_TIMEOUT_MS = 60_000;

export function registerLimits(app: FastifyInstance, ctx: Pick<AppContext, 'config' | 'state'>, bodyIdleMs = BODY_IDLE_TIMEOUT_MS): void {
  const { maxUrlLength, publicRateLimitPerMinute } = ctx.config.limits;

  // Only the upload phase gets an idle timeout; once the handler runs, the socket may stay quiet for as
  // long as a model takes to answer. (Headers are covered by Node's headersTimeout, idle keep-alive
  // connections by keepAliveTimeout.)
  app.addHook('onRequest', async (request) => {
    request.raw.socket?.setTimeout(bodyIdleMs);
  });
  app.addHook('preHandler', async (request) => {
    request.raw.socket?.setTimeout(0);
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.length > maxUrlLength) {
      return reply.code(414).send({ detail: `Request URL is too long (over ${maxUrlLength} characters)` });
    }
    if (publicRateLimitPerMinute <= 0 || !isPublic(request)) return;
    const path = pathOf(request.url);
    if (EXEMPT.has(path) || !LIMITED_PREFIXES.some((p) => path.startsWith(p))) return;
    const now = Date.now();
    const window = Math.floor(now / 60_000);
    const count = await ctx.state.incr(`ratelimit:public:${request.ip}:${window}`, 60);
    if (count > publicRateLimitPerMinute) {
      const retryAfter = Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000));
      return reply.code(429).header('Retry-After', String(retryAfter)).send({ detail: ERROR_MESSAGES.RATE_LIMIT_EXCEEDED });
    }
  });
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

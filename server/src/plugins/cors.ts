import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/env.js';

/**
 * CORS: every method and header, preflights cached by the browser. With the `*` default the answer is a
 * literal `*` without credentials: echoing any Origin with `Allow-Credentials: true` let any page (another
 * port of the same host included) read a signed-in user's responses, token included, with the user's
 * cookie. Origins listed in CORS_ALLOW_ORIGIN are echoed back with credentials allowed.
 */
export interface CorsPolicy {
  allowAll: boolean;
  origins: string[];
  isAllowed(origin: string): boolean;
  /** The value Socket.IO's `cors.origin` option should get, so websockets follow the same rule. */
  socketIoOrigin: '*' | string[];
  /** Whether credentialed cross-origin requests are allowed (only for listed origins). */
  credentials: boolean;
}

export const CORS_MAX_AGE_SECONDS = 600;
const ALLOW_METHODS = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT';
export const CORS_WILDCARD_WARNING = "CORS_ALLOW_ORIGIN IS SET TO '*' - NOT RECOMMENDED FOR PRODUCTION DEPLOYMENTS.";

export function corsPolicy(config: Pick<Config, 'cors'>): CorsPolicy {
  const origins = config.cors.allowOrigin;
  const allowAll = origins.length === 0 || (origins.length === 1 && origins[0] === '*');
  // Browsers send the origin without a trailing slash; a configured one with a slash would never match.
  const set = new Set(origins.map((o) => o.replace(/\/+$/, '').toLowerCase()));
  return {
    allowAll,
    origins: allowAll ? ['*'] : origins,
    isAllowed: (origin) => allowAll || set.has(origin.toLowerCase()),
    socketIoOrigin: allowAll ? '*' : origins,
    credentials: !allowAll,
  };
}

/**
 * The CORS step of the edge's onRequest hook (./edge.ts): most requests carry no Origin and never get
 * here. Headers go on the Fastify reply (like every other edge header, so Node's writeHead takes them in
 * one object). Returns true when it answered the request itself (a preflight, or a refused one).
 */
export function corsStep(app: FastifyInstance, policy: CorsPolicy): (request: FastifyRequest, reply: FastifyReply, origin: string) => boolean {
  if (policy.allowAll) app.log.warn(CORS_WILDCARD_WARNING);
  return (request, reply, origin) => {
    reply.header('Vary', 'Origin');
    const allowed = policy.isAllowed(origin);
    const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    const allow = () => {
      if (policy.allowAll) reply.header('Access-Control-Allow-Origin', '*');
      else {
        reply.header('Access-Control-Allow-Origin', origin);
        reply.header('Access-Control-Allow-Credentials', 'true');
      }
    };
    if (!preflight) {
      if (allowed) allow();
      return false;
    }
    // Preflights end here: no route has to declare OPTIONS, and a refused origin gets a readable reason.
    if (!allowed) {
      reply.code(400).send({ detail: 'Disallowed CORS origin' });
      return true;
    }
    allow();
    reply.header('Access-Control-Allow-Methods', ALLOW_METHODS);
    const wanted = request.headers['access-control-request-headers'];
    if (wanted) reply.header('Access-Control-Allow-Headers', wanted);
    reply.header('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS));
    reply.code(200).header('content-type', 'text/plain; charset=utf-8').send('OK');
    return true;
  };
}

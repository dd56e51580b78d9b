import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { ERROR_MESSAGES } from '../errors/messages.js';
import { corsPolicy, corsStep } from './cors.js';
import { registerJsonLimits } from './json-limits.js';
import { limitSteps } from './limits.js';
import { securityHeaderSteps } from './security-headers.js';
import { guardWebsocketUpgrade, isInvalidWebsocketUpgrade } from './websocket-upgrade.js';

/** Headers every streamed response needs so nginx and friends pass events through as they are written. */
export const STREAM_HEADERS = { 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' } as const;

const STREAMING_TYPES = /^(text\/event-stream|application\/x-ndjson)/i;

/**
 * The HTTP edge, in the original's middleware order (outermost first): CORS, websocket-upgrade check,
 * timing + security headers, then limits. Registered before the auth guard so a preflight or a refused
 * upgrade is answered without touching the database. One onRequest and one onSend hook run all of it:
 * Fastify's hook runner costs a closure call and a `next` per hook per request, for steps that are a
 * few property reads each.
 */
export function registerEdge(app: FastifyInstance, ctx: Pick<AppContext, 'config' | 'state'>): void {
  const cors = corsStep(app, corsPolicy(ctx.config));
  const security = securityHeaderSteps(ctx.config);
  const limits = limitSteps(ctx);
  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    if (origin && cors(request, reply, origin)) return;
    if (isInvalidWebsocketUpgrade(request.raw)) {
      reply.code(400).send({ detail: ERROR_MESSAGES.INVALID_WEBSOCKET_UPGRADE });
      return;
    }
    security.onRequest(reply);
    limits.onRequest(request, reply, done);
  });
  app.addHook('preHandler', limits.preHandler);
  if (limits.onRoute) app.addHook('onRoute', limits.onRoute);
  registerJsonLimits(app);
  // By now Socket.IO (if enabled) has attached to the server; put the upgrade check in front of it.
  app.addHook('onReady', async () => guardWebsocketUpgrade(app.server));
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && STREAMING_TYPES.test(type)) reply.header('X-Accel-Buffering', 'no');
    security.onSend(reply);
    done(null, payload);
  });
}

import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { corsPolicy, registerCors } from './cors.js';
import { registerJsonLimits } from './json-limits.js';
import { registerLimits } from './limits.js';
import { registerSecurityHeaders } from './security-headers.js';
import { guardWebsocketUpgrade, registerWebsocketUpgradeCheck } from './websocket-upgrade.js';

/** Headers every streamed response needs so nginx and friends pass events through as they are written. */
export const STREAM_HEADERS = { 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' } as const;

const STREAMING_TYPES = /^(text\/event-stream|application\/x-ndjson)/i;

/**
 * The HTTP edge, in the original's middleware order (outermost first): CORS, websocket-upgrade check,
 * timing + security headers, then limits. Registered before the auth guard so a preflight or a refused
 * upgrade is answered without touching the database.
 */
export function registerEdge(app: FastifyInstance, ctx: Pick<AppContext, 'config' | 'state'>): void {
  registerCors(app, corsPolicy(ctx.config));
  registerWebsocketUpgradeCheck(app);
  registerSecurityHeaders(app, ctx.config);
  registerLimits(app, ctx);
  registerJsonLimits(app);
  // By now Socket.IO (if enabled) has attached to the server; put the upgrade check in front of it.
  app.addHook('onReady', async () => guardWebsocketUpgrade(app.server));
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && STREAMING_TYPES.test(type)) reply.header('X-Accel-Buffering', 'no');
    done(null, payload);
  });
}

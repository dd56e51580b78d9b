import { createAdapter } from '@socket.io/redis-adapter';
import type { FastifyInstance } from 'fastify';
import type { Server as HttpServer } from 'node:http';
import { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import { SOCKET_PATH, UsagePayload, UserJoinPayload, type ClientToServerEvents, type ServerToClientEvents, type UserJoinAck } from '@owui/contracts';
import type { AppContext } from '../context.js';
import { corsPolicy } from '../plugins/cors.js';
import { isInvalidWebsocketUpgrade } from '../plugins/websocket-upgrade.js';
import { legacyRoom, userRoom, type JwtUserResolver } from './socket.js';

/*
 * The Socket.IO server itself, in its own module so that socket.io, engine.io, ws and ioredis are
 * compiled only when a socket first connects (socket.ts decides when; a start does not pay for them).
 */

interface SocketUser {
  id: string;
  name: string;
  role: string;
}
export interface SocketData {
  user?: SocketUser;
  /** Handshake `auth.events = 'events'`: this socket listens on `events` only (no `chat-events` copy). */
  eventsOnly?: boolean;
  /** Last `usage` report of this socket: which model its chat is using, and when (epoch ms). */
  usage?: { model: string; at: number };
}

export type AppIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * Creates the Socket.IO server and attaches it to `server` at `/ws/socket.io`, like the original: every
 * socket is accepted, but only one that proves a user (handshake `auth.token` or a later `user-join`)
 * joins `user:<id>` and so receives anything. Each socket is also in its own room (its id), the
 * per-session room. With WEBSOCKET_MANAGER=redis the Redis adapter fans emits out to every instance.
 */
export function createSocketServer(app: FastifyInstance, ctx: AppContext, auth: JwtUserResolver, server: HttpServer): { io: AppIo; adapterClients: Redis[] } {
  const ws = ctx.config.websocket;
  const io: AppIo = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, {
    path: SOCKET_PATH,
    // ENABLE_WEBSOCKET_SUPPORT=false is for proxies that cannot upgrade: long-polling only.
    transports: ws.enabled ? ['websocket', 'polling'] : ['polling'],
    pingInterval: ws.pingIntervalSeconds * 1000,
    pingTimeout: ws.pingTimeoutSeconds * 1000,
    cors: { origin: corsPolicy(ctx.config).socketIoOrigin, credentials: corsPolicy(ctx.config).credentials },
    serveClient: false,
    // Same 400 as the HTTP edge: engine.io owns this path, so Fastify's hook never sees these requests.
    allowRequest: (req, done) => done(isInvalidWebsocketUpgrade(req) ? 'Invalid WebSocket upgrade request' : null, !isInvalidWebsocketUpgrade(req)),
  });

  const adapterClients: Redis[] = [];
  if (ws.manager === 'redis' && ws.redisUrl) {
    const pub = new Redis(ws.redisUrl, { retryStrategy: (n) => Math.min(100 * n, 2000), maxRetriesPerRequest: 1 });
    const sub = pub.duplicate();
    for (const c of [pub, sub]) c.on('error', (err: Error) => app.log.debug({ err: err.message }, 'socket.io redis adapter connection error'));
    adapterClients.push(pub, sub);
    io.adapter(createAdapter(pub, sub, { key: `${ctx.config.redis.keyPrefix}:socket.io` }));
  }

  const identify = async (token: unknown): Promise<SocketUser | null> => {
    if (typeof token !== 'string' || !token || token.startsWith('sk-')) return null; // API keys are not accepted here
    try {
      const user = await auth.userFromJwt(token);
      return user ? { id: user.id, name: user.name, role: user.role } : null;
    } catch {
      return null; // database or Redis away: the socket stays anonymous, the client re-joins on reconnect
    }
  };

  const join = async (socket: AppSocket, user: SocketUser) => {
    socket.data.user = user;
    await socket.join(socket.data.eventsOnly ? userRoom(user.id) : [userRoom(user.id), legacyRoom(user.id)]);
  };

  io.on('connection', (socket: AppSocket) => {
    // A client that says it listens on `events` only (ours) is spared the `chat-events` copy.
    if ((socket.handshake.auth as { events?: unknown } | undefined)?.events === 'events') socket.data.eventsOnly = true;
    // Handlers first, then the handshake lookup: a `user-join` sent right after connecting must not
    // arrive while no listener is registered yet (a slow database made that race visible).
    void identify((socket.handshake.auth as { token?: unknown } | undefined)?.token).then((user) => (user ? join(socket, user) : undefined));

    socket.on('user-join', async (payload, ack) => {
      const parsed = UserJoinPayload.safeParse(payload);
      const joined = parsed.success ? await identify(parsed.data.auth?.token) : null;
      if (joined) await join(socket, joined);
      if (typeof ack === 'function') ack(joined ? ({ id: joined.id, name: joined.name } satisfies UserJoinAck) : null);
    });
    // Accepted for protocol compatibility; presence is not tracked yet.
    socket.on('heartbeat', () => undefined);
    socket.on('usage', (payload) => {
      const model = UsagePayload.safeParse(payload);
      if (model.success && socket.data.user) socket.data.usage = { model: model.data.model.slice(0, 500), at: Date.now() };
    });
  });
  return { io, adapterClients };
}

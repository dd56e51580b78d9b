import { createAdapter } from '@socket.io/redis-adapter';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import {
  SOCKET_PATH,
  UsagePayload,
  UserJoinPayload,
  type ChatEvent,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type UserJoinAck,
} from '@owui/contracts';
import type { AppContext } from '../context.js';
import { corsPolicy } from '../plugins/cors.js';
import { isInvalidWebsocketUpgrade } from '../plugins/websocket-upgrade.js';
import { RedisState } from '../state/redis-state.js';

interface SocketUser {
  id: string;
  name: string;
  role: string;
}
interface SocketData {
  user?: SocketUser;
  /** Handshake `auth.events = 'events'`: this socket listens on `events` only (no `chat-events` copy). */
  eventsOnly?: boolean;
  /** Last `usage` report of this socket: which model its chat is using, and when (epoch ms). */
  usage?: { model: string; at: number };
}

/** A `usage` report older than this no longer counts the model as in use (the client repeats it). */
const USAGE_TTL_MS = 60_000;
type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface JwtUserResolver {
  userFromJwt(token: string): Promise<{ id: string; name: string; role: string } | null>;
}

/** What the rest of the server uses to reach a user's browsers, wherever their sockets are connected. */
export interface Realtime {
  /** Sends an `events` envelope to every socket of the user, on any instance (through the adapter). */
  emitToUser(userId: string, event: ChatEvent): void;
  /** Sockets of the user connected to this instance (tests, diagnostics). */
  localSocketCount(userId: string): number;
  /** Signed-in users with a socket open and models reported in use, across every instance (`/api/usage`). */
  usage(): Promise<{ userIds: string[]; modelIds: string[] }>;
}

export const userRoom = (userId: string) => `user:${userId}`;
/**
 * The user's sockets that also want the legacy `chat-events` copy: all but those that asked for `events`
 * only (handshake `auth.events = 'events'`). A room per user rather than one global "events-only" room
 * to exclude: socket.io copies every socket id of an excluded room into a new Set on each emit, which
 * made every chunk of every reply cost O(all events-only sockets on the instance).
 */
const legacyRoom = (userId: string) => `chat-events:${userId}`;

/**
 * Socket.IO on the Fastify HTTP server at `/ws/socket.io`, like the original: every socket is accepted,
 * but only one that proves a user (handshake `auth.token` or a later `user-join`) joins `user:<id>` and
 * so receives anything. Each socket is also in its own room (its id), the per-session room.
 * With WEBSOCKET_MANAGER=redis the Redis adapter fans emits out to every instance.
 */
export async function attachRealtime(app: FastifyInstance, ctx: AppContext, auth: JwtUserResolver): Promise<Realtime> {
  const ws = ctx.config.websocket;
  if (ctx.state instanceof RedisState) ctx.state.setLogger(app.log);
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(app.server, {
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

  // Before Fastify stops listening: open sockets would otherwise hold the HTTP server open.
  app.addHook('preClose', async () => {
    io.local.disconnectSockets(true);
    io.engine.close();
  });
  app.addHook('onClose', async () => {
    for (const c of adapterClients) c.disconnect();
  });

  const realtime: Realtime = {
    emitToUser(userId, event) {
      // Open WebUI's UI listens on `chat-events` up to 0.6.32 and on `events` from 0.6.33: send both so
      // any 0.6 build streams live. Our own client listens on `events` only.
      io.to(userRoom(userId)).emit('events', event);
      io.to(legacyRoom(userId)).emit('chat-events', event);
    },
    async usage() {
      const sockets = await io.fetchSockets();
      const users = new Set<string>();
      const models = new Set<string>();
      const fresh = Date.now() - USAGE_TTL_MS;
      for (const so of sockets) {
        if (so.data.user) users.add(so.data.user.id);
        if (so.data.usage && so.data.usage.at >= fresh) models.add(so.data.usage.model);
      }
      return { userIds: [...users], modelIds: [...models] };
    },
    localSocketCount(userId) {
      return io.of('/').adapter.rooms.get(userRoom(userId))?.size ?? 0;
    },
  };
  app.decorate('realtime', realtime);
  return realtime;
}

declare module 'fastify' {
  interface FastifyInstance {
    realtime: Realtime;
  }
}

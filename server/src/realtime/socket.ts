import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { SOCKET_PATH, type ChatEvent } from '@owui/contracts';
import type { AppContext } from '../context.js';
import { guardWebsocketUpgrade } from '../plugins/websocket-upgrade.js';
import type { RedisState } from '../state/redis-state.js';
import type { AppIo } from './socket-server.js';

/** A `usage` report older than this no longer counts the model as in use (the client repeats it). */
const USAGE_TTL_MS = 60_000;

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
export const legacyRoom = (userId: string) => `chat-events:${userId}`;

/** engine.io's own test for its path (a prefix match on the raw URL, with the trailing slash). */
const ENGINE_PATH = `${SOCKET_PATH.replace(/\/$/, '')}/`;
const isSocketRequest = (req: IncomingMessage) => (req.url ?? '').slice(0, ENGINE_PATH.length) === ENGINE_PATH;

/**
 * Socket.IO on the Fastify HTTP server at `/ws/socket.io` (socket-server.ts).
 *
 * With one instance (no WEBSOCKET_MANAGER=redis) the server is created when the first request for that
 * path arrives, so a start does not load socket.io, engine.io and ws (~0.5 MB of code): until then no
 * socket exists, so there is nothing to emit to and no usage to report. The first request (polling
 * handshake or websocket upgrade) waits for the load and is then handed to engine.io, which from then
 * on owns the path exactly as if it had been attached at start. With the Redis adapter it is created
 * at start: another instance's emits must reach this one's adapter whether or not a socket is open here.
 */
export async function attachRealtime(app: FastifyInstance, ctx: AppContext, auth: JwtUserResolver): Promise<Realtime> {
  const ws = ctx.config.websocket;
  if (ctx.state.kind === 'redis' && 'setLogger' in ctx.state) (ctx.state as RedisState).setLogger(app.log);
  const server = app.server;
  let io: AppIo | null = null;
  let adapterClients: { disconnect(): void }[] = [];
  let loading: Promise<AppIo> | null = null;
  let closed = false;
  /** Catches upgrades until the load; engine.io listens for them itself from then on. */
  let onUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;

  const load = (): Promise<AppIo> =>
    (loading ??= (async () => {
      const { createSocketServer } = await import('./socket-server.js');
      // engine.io wraps the server's 'request' listeners as it attaches; put the edge's check for
      // stripped upgrades back in front of it (as plugins/edge.ts does at ready for an eager attach).
      const created = createSocketServer(app, ctx, auth, server);
      if (onUpgrade) server.off('upgrade', onUpgrade); // or both would answer the next upgrade
      if (app.server.listening) guardWebsocketUpgrade(server);
      io = created.io;
      adapterClients = created.adapterClients;
      return io;
    })());

  if (ws.manager === 'redis' && ws.redisUrl) {
    await load();
  } else {
    // Until the load: socket-path requests and upgrades are caught here; everything else goes on to
    // the listeners that were there (Fastify's). After it, engine.io's own listeners see them first.
    const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!isSocketRequest(req)) {
        for (const l of listeners) l.call(server, req, res);
        return;
      }
      load().then(
        (ready) => (closed ? res.destroy() : ready.engine.handleRequest(req, res)),
        (err: Error) => {
          app.log.error({ err }, 'socket.io failed to load');
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'Socket.IO is unavailable' }));
        },
      );
    });
    if (ws.enabled) {
      onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!isSocketRequest(req)) {
          // What engine.io does with an upgrade that is not its own: end it unless someone answered.
          socket.on('error', () => undefined);
          setTimeout(() => {
            if (socket.writable && (socket as Duplex & { bytesWritten?: number }).bytesWritten! <= 0) socket.end();
          }, 1000).unref();
          return;
        }
        load().then(
          (ready) => (closed ? socket.destroy() : ready.engine.handleUpgrade(req, socket, head)),
          () => socket.destroy(),
        );
      };
      server.on('upgrade', onUpgrade);
    }
  }

  // Before Fastify stops listening: open sockets would otherwise hold the HTTP server open.
  app.addHook('preClose', async () => {
    closed = true;
    if (loading) await loading.catch(() => undefined);
    if (!io) return;
    io.local.disconnectSockets(true);
    io.engine.close();
  });
  app.addHook('onClose', async () => {
    for (const c of adapterClients) c.disconnect();
  });

  const realtime: Realtime = {
    emitToUser(userId, event) {
      if (!io) return; // not loaded: no socket has ever connected to this instance
      // Open WebUI's UI listens on `chat-events` up to 0.6.32 and on `events` from 0.6.33: send both so
      // any 0.6 build streams live. Our own client listens on `events` only.
      io.to(userRoom(userId)).emit('events', event);
      io.to(legacyRoom(userId)).emit('chat-events', event);
    },
    async usage() {
      const users = new Set<string>();
      const models = new Set<string>();
      if (!io) return { userIds: [], modelIds: [] };
      const sockets = await io.fetchSockets();
      const fresh = Date.now() - USAGE_TTL_MS;
      for (const so of sockets) {
        if (so.data.user) users.add(so.data.user.id);
        if (so.data.usage && so.data.usage.at >= fresh) models.add(so.data.usage.model);
      }
      return { userIds: [...users], modelIds: [...models] };
    },
    localSocketCount(userId) {
      return io?.of('/').adapter.rooms.get(userRoom(userId))?.size ?? 0;
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

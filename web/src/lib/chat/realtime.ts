import { io, type Socket } from 'socket.io-client';

/**
 * The one Socket.IO connection of the signed-in user (server path `/ws/socket.io`). Replies generated in
 * the socket-delivered mode arrive here as `events`; anything else listens through `onChatEvent`.
 */

export interface ChatEvent {
  chat_id: string;
  message_id: string;
  data: { type: string; data: any };
}

type Handler = (event: ChatEvent) => void;

let socket: Socket | null = null;
let heartbeat: ReturnType<typeof setInterval> | null = null;
/** Like the original's client: keeps the user's "last active" fresh while a tab is open. */
const HEARTBEAT_MS = 30_000;
let socketToken: string | null = null;
const handlers = new Set<Handler>();
const connectHandlers = new Set<() => void>();

/** Opens (or re-opens for a new token) the connection; websocket only when the server allows it, else polling. */
export function connectRealtime(token: string, websocket: boolean): void {
  if (socket && socketToken === token) return;
  disconnectRealtime();
  socketToken = token;
  const s = io({
    path: '/ws/socket.io',
    // `events`: this client listens on `events` only, so the server skips the legacy `chat-events` copy.
    auth: { token, events: 'events' },
    transports: websocket ? ['websocket'] : ['polling'],
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
    randomizationFactor: 0.5,
  });
  s.on('connect', () => {
    // The original's client announces itself too; the server binds the socket to the user either way.
    s.emit('user-join', { auth: { token } });
    for (const h of connectHandlers) h();
  });
  s.on('events', (event: ChatEvent) => {
    for (const h of handlers) h(event);
  });
  heartbeat = setInterval(() => {
    if (s.connected) s.emit('heartbeat', {});
  }, HEARTBEAT_MS);
  socket = s;
}

export function disconnectRealtime(): void {
  if (heartbeat) clearInterval(heartbeat);
  heartbeat = null;
  socket?.disconnect();
  socket = null;
  socketToken = null;
}

/** The id to send as `session_id`, or null when replies must come over SSE instead. */
export function connectedSocketId(): string | null {
  return socket?.connected && socket.id ? socket.id : null;
}

export function onChatEvent(h: Handler): () => void {
  handlers.add(h);
  return () => handlers.delete(h);
}

/** Called on every (re)connect, so a reply that finished while the socket was down can be caught up. */
export function onReconnect(h: () => void): () => void {
  connectHandlers.add(h);
  return () => connectHandlers.delete(h);
}

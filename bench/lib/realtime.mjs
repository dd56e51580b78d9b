// The Socket.IO side of the web UI for the socketio and cluster scenarios: accounts in bulk, a client
// that joins like Open WebUI 0.6.34's (handshake `auth.token`, then `user-join` on connect), chats to
// answer into, and the socket-mode chat completion (`session_id` + `chat_id` + `id` in the body).
import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { io } from 'socket.io-client';
import { request } from 'undici';
import { BENCH_SECRET } from './procs.mjs';

const require = createRequire(import.meta.url);
export const SOCKET_PATH = '/ws/socket.io';

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/**
 * An HS256 session token with Open WebUI's claims, signed with the servers' secret. Signing up 1,000
 * accounts through the API would spend minutes of CPU on password hashing; a token is all a socket
 * and a completion need.
 */
export function mintToken(userId, secret = BENCH_SECRET) {
  const now = Date.now();
  const head = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ id: userId, jti: randomUUID(), iat: Math.floor(now / 1000), iat_ms: now, exp: Math.floor(now / 1000) + 86_400 })}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** `count` plain users written straight into a (running) server's SQLite database, each with a token. */
export function addSqliteUsers(dataDir, count) {
  const Database = require('better-sqlite3');
  const db = new Database(path.join(dataDir, 'webui.db'));
  db.pragma('busy_timeout = 10000');
  const now = Math.floor(Date.now() / 1000);
  const add = db.prepare(`insert into user (id, name, email, role, profile_image_url, last_active_at, updated_at, created_at) values (?, ?, ?, 'user', '/user.png', ?, ?, ?)`);
  const users = [];
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      add.run(id, `Socket user ${i}`, `socket${i}-${id.slice(0, 8)}@example.com`, now, now, now);
      const token = mintToken(id);
      users.push({ id, token, headers: { authorization: `Bearer ${token}` } });
    }
  })();
  db.close();
  return users;
}

/** A chat holding one user message, as the UI saves it before asking for the reply; returns its id. */
export async function newChat(origin, headers, dispatcher) {
  const chat = { title: 'socket bench', models: ['bench-llama:latest'], history: { currentId: 'u1', messages: { u1: { id: 'u1', role: 'user', content: 'hi', parentId: null, childrenIds: [] } } }, messages: [] };
  const r = await request(`${origin}/api/v1/chats/new`, { method: 'POST', dispatcher, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ chat }) });
  const text = await r.body.text();
  if (r.statusCode !== 200) throw new Error(`chats/new: ${r.statusCode} ${text.slice(0, 200)}`);
  return JSON.parse(text).id;
}

/** The stored message `messageId` of a chat (GET /api/v1/chats/{id}), or undefined. */
export async function storedMessage(origin, headers, chatId, messageId, dispatcher) {
  const r = await request(`${origin}/api/v1/chats/${chatId}`, { dispatcher, headers });
  const text = await r.body.text();
  if (r.statusCode !== 200) return undefined;
  return JSON.parse(text)?.chat?.history?.messages?.[messageId];
}

/**
 * A socket joined as the user, the way the original UI does (it then receives both `events` and the
 * legacy `chat-events` copy); `eventsOnly` is our own web client's handshake (`auth.events`), which
 * the server spares the copy. `reply(messageId, onEvent)` routes one message's `events` to a handler
 * until it returns true (done). `chatEvents` counts the legacy copies received.
 */
export function connectSocket(origin, token, { eventsOnly = false } = {}) {
  const so = io(origin, {
    path: SOCKET_PATH,
    transports: ['websocket'],
    auth: eventsOnly ? { token, events: 'events' } : { token },
    reconnection: false,
    forceNew: true,
    timeout: 30_000,
  });
  const handlers = new Map();
  const handle = { socket: so, chatEvents: 0, events: 0 };
  so.on('events', (e) => {
    handle.events++;
    const h = handlers.get(e?.message_id);
    if (h && h(e)) handlers.delete(e.message_id);
  });
  so.on('chat-events', () => handle.chatEvents++);
  handle.reply = (messageId, onEvent) => handlers.set(messageId, onEvent);
  handle.close = () => so.disconnect();
  return new Promise((resolve, reject) => {
    so.once('connect_error', reject);
    so.once('connect', () => {
      so.emit('user-join', { auth: { token } }, (ack) => (ack ? resolve(Object.assign(handle, { id: so.id })) : reject(new Error('user-join refused'))));
    });
  });
}

/** Opens `tokens.length` sockets, `parallel` handshakes at a time. */
export async function connectMany(origin, tokens, opts = {}, parallel = 50) {
  const out = new Array(tokens.length);
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const i = next++;
      out[i] = await connectSocket(origin, tokens[i], opts);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, tokens.length) }, worker));
  return out;
}

/**
 * One socket-mode reply: listens first (the first events can beat the HTTP answer), then POSTs
 * `/api/chat/completions` with the socket's id as `session_id`. Resolves with the final content, the
 * number of content events, and `ttftMs` (request sent to the first content event). `onContent` sees
 * each content event's text (the whole reply so far) and the time it was read; `onPosted` the HTTP answer.
 */
export function socketReply({ origin, dispatcher, headers, sock, chatId, body, onContent, onPosted, timeoutMs = 120_000 }) {
  const messageId = randomUUID();
  const t0 = performance.now();
  let ttftMs;
  let contentEvents = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reply ${messageId} not done within ${timeoutMs} ms (${contentEvents} content events)`)), timeoutMs);
    sock.reply(messageId, (e) => {
      if (e.data?.type !== 'chat:completion') return false;
      const d = e.data.data ?? {};
      if (typeof d.content === 'string' && !d.done) {
        contentEvents++;
        ttftMs ??= performance.now() - t0;
        onContent?.(d.content, performance.timeOrigin + performance.now());
      }
      if (!d.done) return false;
      clearTimeout(timer);
      resolve({ messageId, chatId, content: d.content ?? '', error: d.error, contentEvents, ttftMs, ms: performance.now() - t0 });
      return true;
    });
    request(`${origin}/api/chat/completions`, {
      method: 'POST',
      dispatcher,
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true, chat_id: chatId, id: messageId, session_id: sock.id }),
    })
      .then(async (r) => {
        const text = await r.body.text();
        onPosted?.(r);
        if (r.statusCode !== 200 || !JSON.parse(text).task_id) throw new Error(`socket-mode completion: ${r.statusCode} ${text.slice(0, 200)}`);
      })
      .catch((err) => {
        clearTimeout(timer);
        reject(err);
      });
  });
}

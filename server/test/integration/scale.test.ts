import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { ChatEvent } from '@owui/contracts';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { createPostgresDatabase, scaleServices } from '../helpers/test-database.js';
import { startInstance, startNginx, type Instance } from '../helpers/instances.js';

/**
 * Scale-out with no sticky sessions: two separate server processes sharing one PostgreSQL and one
 * Redis, plus the nginx round-robin block from docs/scaling.md in front of them when nginx is installed.
 * Needs TEST_DATABASE_URL and TEST_REDIS_URL (`eval "$(bash scripts/services.sh start)"`).
 */
const { db: DB, redis: REDIS, available } = scaleServices('scale.test.ts');

const MODEL = 'llama3:latest';
const WORDS = Array.from({ length: 120 }, (_, i) => `word${i}`);
const REPLY = WORDS.join(' ');

async function call(base: string, method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

function socketTo(base: string, token: string): Promise<Socket> {
  const so = connect(base, { path: '/ws/socket.io', transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    so.once('connect', () => resolve(so));
    so.once('connect_error', reject);
  });
}

/** Collects `events` for one message; resolves `done` with the final content. */
function collect(so: Socket, messageId: string) {
  const events: ChatEvent[] = [];
  let resolveDone!: (content: string) => void;
  const done = new Promise<string>((r) => (resolveDone = r));
  so.on('events', (e: ChatEvent) => {
    if (e.message_id !== messageId) return;
    events.push(e);
    if (e.data.type === 'chat:completion' && e.data.data.done) resolveDone(e.data.data.content ?? '');
  });
  const latest = () => {
    const last = events.filter((e) => e.data.type === 'chat:completion').at(-1);
    return last?.data.type === 'chat:completion' ? (last.data.data.content ?? '') : '';
  };
  return { events, done, latest };
}

const newChatBody = { chat: { title: 'scale', models: [MODEL], history: { currentId: 'u1', messages: { u1: { id: 'u1', role: 'user', content: 'hi', parentId: null, childrenIds: [] } } } } };

function completionBody(chatId: string, messageId: string, sessionId: string) {
  return { model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }], chat_id: chatId, id: messageId, session_id: sessionId };
}

async function storedContent(base: string, token: string, chatId: string, messageId: string): Promise<string | undefined> {
  const { json } = await call(base, 'GET', `/api/v1/chats/${chatId}`, { token });
  return json?.chat?.history?.messages?.[messageId]?.content;
}

describe.skipIf(!available)('two instances on PostgreSQL + Redis, round robin, no sticky sessions', () => {
  let ollama: FakeOllama;
  let db: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let a: Instance;
  let b: Instance;
  let lb: Awaited<ReturnType<typeof startNginx>> = null;
  let admin: { token: string; email: string; password: string };
  const sockets: Socket[] = [];

  beforeAll(async () => {
    ollama = await startFakeOllama({ models: [MODEL], reply: REPLY, tokenDelayMs: 5 });
    db = await createPostgresDatabase();
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: REDIS,
      WEBSOCKET_MANAGER: 'redis',
      REDIS_KEY_PREFIX: `scale-${randomBytes(4).toString('hex')}`,
      WEBUI_SECRET_KEY: 'scale-test-secret',
      OLLAMA_BASE_URL: ollama.url,
      ENABLE_OPENAI_API: 'false',
      MODELS_CACHE_TTL: '1',
    };
    a = await startInstance('a', env); // first: runs the migrations
    b = await startInstance('b', env);
    lb = await startNginx([a.url, b.url]);
    admin = { email: 'admin@example.com', password: 'Adm1n-pass!', token: '' };
    const up = await call(a.url, 'POST', '/api/v1/auths/signup', { body: { name: 'Admin', email: admin.email, password: admin.password } });
    expect(up.status).toBe(200);
    admin.token = up.json.token;
  }, 60_000);

  afterAll(async () => {
    for (const so of sockets) so.close();
    await lb?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    await ollama?.close();
  }, 30_000);

  it('a token from a sign-in on A is accepted on B', async () => {
    const signin = await call(a.url, 'POST', '/api/v1/auths/signin', { body: { email: admin.email, password: admin.password } });
    expect(signin.status).toBe(200);
    const me = await call(b.url, 'GET', '/api/v1/auths/', { token: signin.json.token });
    expect(me.status).toBe(200);
    expect(me.json.email).toBe(admin.email);
  });

  it('a sign-out on B makes A refuse the token', async () => {
    const { json } = await call(a.url, 'POST', '/api/v1/auths/signin', { body: { email: admin.email, password: admin.password } });
    expect((await call(a.url, 'GET', '/api/v1/auths/', { token: json.token })).status).toBe(200);
    expect((await call(b.url, 'GET', '/api/v1/auths/signout', { token: json.token })).status).toBe(200);
    const after = await call(a.url, 'GET', '/api/v1/auths/', { token: json.token });
    expect(after.status).toBe(401);
  });

  it('an admin setting saved on A is seen by B within 1 s', async () => {
    const current = await call(a.url, 'GET', '/api/v1/auths/admin/config', { token: admin.token });
    expect(current.status).toBe(200);
    const onB = async () => (await call(b.url, 'GET', '/api/v1/auths/admin/config', { token: admin.token })).json;
    expect((await onB()).DEFAULT_USER_ROLE).toBe(current.json.DEFAULT_USER_ROLE);
    const next = current.json.DEFAULT_USER_ROLE === 'user' ? 'pending' : 'user';
    const saved = await call(a.url, 'POST', '/api/v1/auths/admin/config', { token: admin.token, body: { ...current.json, DEFAULT_USER_ROLE: next } });
    expect(saved.status).toBe(200);
    const t0 = Date.now();
    while ((await onB()).DEFAULT_USER_ROLE !== next) {
      expect(Date.now() - t0).toBeLessThan(1000);
      await new Promise((r) => setTimeout(r, 25));
    }
    // And back, saved on B and seen on A.
    await call(b.url, 'POST', '/api/v1/auths/admin/config', { token: admin.token, body: current.json });
    const onA = async () => (await call(a.url, 'GET', '/api/v1/auths/admin/config', { token: admin.token })).json.DEFAULT_USER_ROLE;
    await expect.poll(onA, { timeout: 1000, interval: 25 }).toBe(current.json.DEFAULT_USER_ROLE);
  });

  it('the 16th bad sign-in is refused on whichever instance gets it', async () => {
    const email = `victim-${randomBytes(3).toString('hex')}@example.com`;
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) {
      const base = i % 2 === 0 ? a.url : b.url;
      statuses.push((await call(base, 'POST', '/api/v1/auths/signin', { body: { email, password: 'wrong' } })).status);
    }
    expect(statuses.slice(0, 15).every((s) => s === 400)).toBe(true);
    expect(statuses[15]).toBe(429);
    // Both instances now refuse, whichever the next attempt reaches.
    expect((await call(a.url, 'POST', '/api/v1/auths/signin', { body: { email, password: 'wrong' } })).status).toBe(429);
  });

  it('a chat started through A streams to a socket connected to B, and is saved', async () => {
    const chat = await call(a.url, 'POST', '/api/v1/chats/new', { token: admin.token, body: newChatBody });
    expect(chat.status).toBe(200);
    const so = await socketTo(b.url, admin.token);
    sockets.push(so);
    const c = collect(so, 'r1');
    const started = await call(a.url, 'POST', '/api/chat/completions', { token: admin.token, body: completionBody(chat.json.id, 'r1', so.id!) });
    expect(started.status).toBe(200);
    expect(started.json).toEqual({ status: true, task_id: expect.any(String) });
    expect(await c.done).toBe(REPLY);
    expect(c.events[0]!.data).toEqual({ type: 'chat:active', data: { active: true } });
    expect(c.events.filter((e) => e.data.type === 'chat:completion').length).toBeGreaterThan(10);
    await expect.poll(() => storedContent(b.url, admin.token, chat.json.id, 'r1'), { timeout: 3000 }).toBe(REPLY);
  });

  it('through the nginx round-robin balancer (docs/scaling.md): sign-in, websocket and a chat all work', async (t) => {
    if (!lb) return t.skip();
    const signin = await call(lb.url, 'POST', '/api/v1/auths/signin', { body: { email: admin.email, password: admin.password } });
    expect(signin.status).toBe(200);
    const token = signin.json.token as string;
    for (let i = 0; i < 4; i++) expect((await call(lb.url, 'GET', '/api/v1/auths/', { token })).status).toBe(200);
    const so = await socketTo(lb.url, token);
    sockets.push(so);
    const chat = await call(lb.url, 'POST', '/api/v1/chats/new', { token, body: newChatBody });
    const c = collect(so, 'r-lb');
    const started = await call(lb.url, 'POST', '/api/chat/completions', { token, body: completionBody(chat.json.id, 'r-lb', so.id!) });
    expect(started.json.status).toBe(true);
    expect(await c.done).toBe(REPLY);
    const ids = await call(lb.url, 'GET', `/api/tasks/chat/${chat.json.id}`, { token });
    expect(ids.status).toBe(200);
  });

  it('killing the instance running a reply leaves the partial reply saved and the other instance serving', async () => {
    ollama.script({ tokenDelayMs: 40 }); // ~5 s reply
    const chat = await call(a.url, 'POST', '/api/v1/chats/new', { token: admin.token, body: newChatBody });
    const so = await socketTo(b.url, admin.token);
    sockets.push(so);
    const c = collect(so, 'r-kill');
    const started = await call(a.url, 'POST', '/api/chat/completions', { token: admin.token, body: completionBody(chat.json.id, 'r-kill', so.id!) });
    expect(started.json.status).toBe(true);
    await expect.poll(() => c.latest().split(' ').length, { timeout: 5000, interval: 20 }).toBeGreaterThan(30);
    await a.kill();

    const saved = await storedContent(b.url, admin.token, chat.json.id, 'r-kill');
    expect(saved).toBeTruthy();
    expect(REPLY.startsWith(saved!)).toBe(true);
    expect(saved!.split(' ').length).toBeGreaterThan(15);
    expect(saved!.length).toBeLessThan(REPLY.length);

    // B keeps serving: sign-in, a new chat reply over its own socket.
    expect((await call(b.url, 'GET', '/ready')).status).toBe(200);
    ollama.script({ tokenDelayMs: 1 });
    const chat2 = await call(b.url, 'POST', '/api/v1/chats/new', { token: admin.token, body: newChatBody });
    const c2 = collect(so, 'r-after');
    const again = await call(b.url, 'POST', '/api/chat/completions', { token: admin.token, body: completionBody(chat2.json.id, 'r-after', so.id!) });
    expect(again.json.status).toBe(true);
    expect(await c2.done).toBe(REPLY);
    if (lb) {
      // The balancer routes around the dead instance.
      for (let i = 0; i < 4; i++) expect((await call(lb.url, 'GET', '/api/v1/auths/', { token: admin.token })).status).toBe(200);
    }
  });
});

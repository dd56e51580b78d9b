import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { ChatEvent } from '@owui/contracts';
import { chatsServiceFor } from '../../src/modules/chats/chats.service.js';
import type { CompletionChunk } from '../../src/modules/tasks/chat-task.js';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? '';

function socketFor(url: string, token?: string, transports: string[] = ['websocket']): Socket {
  return connect(url, { path: '/ws/socket.io', transports, auth: token ? { token } : {}, reconnection: false, forceNew: true });
}
const connected = (s: Socket) =>
  new Promise<void>((resolve, reject) => {
    if (s.connected) return resolve();
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });

/** A scripted reply, chunk by chunk, that honours the abort signal like a real upstream stream. */
function scripted(parts: string[], delayMs: number) {
  return async function* (signal: AbortSignal): AsyncIterable<CompletionChunk> {
    for (const p of parts) {
      await new Promise((r) => setTimeout(r, delayMs));
      if (signal.aborted) return;
      yield { choices: [{ delta: { content: p } }] };
    }
    yield { choices: [{ delta: {}, finish_reason: 'stop' }], usage: { completion_tokens: parts.length } };
  };
}

async function newChat(s: TestServer, userId: string, messageId: string) {
  const row = await chatsServiceFor(s.ctx).create(userId, {
    chat: { title: 'T', history: { currentId: 'u1', messages: { u1: { id: 'u1', role: 'user', content: 'hi', parentId: null, childrenIds: [] } } } },
  });
  return row.id;
}

async function storedReply(s: TestServer, chatId: string, messageId: string) {
  // The merged document: a reply lives in chat_message_overlay until the chat is compacted.
  const row = (await chatsServiceFor(s.ctx).repo.find(chatId))!;
  const chat = JSON.parse(row.chat) as { history: { messages: Record<string, { content: string; done?: boolean; parentId?: string }> } };
  return chat.history.messages[messageId];
}

for (const mode of ['memory', 'redis'] as const) {
  describe.skipIf(mode === 'redis' && !REDIS_URL)(`Socket.IO and background chat tasks (${mode} state)`, () => {
    let s: TestServer;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      s = await startTestServer(mode === 'redis' ? { REDIS_URL, WEBSOCKET_MANAGER: 'redis', REDIS_KEY_PREFIX: `t${Date.now()}` } : {});
    });
    afterAll(async () => {
      for (const so of sockets) so.close();
      await s.close();
    });
    const open = (token?: string, transports?: string[]) => {
      const so = socketFor(s.url, token, transports);
      sockets.push(so);
      return so;
    };

    it('joins the user room from the handshake token, and ignores a socket with a bad token', async () => {
      const { user, token } = await createUser(s.ctx);
      const good = open(token);
      const bad = open(token.slice(0, -3) + 'abc');
      const anon = open();
      await Promise.all([connected(good), connected(bad), connected(anon)]);
      await expect.poll(() => s.app.realtime.localSocketCount(user.id)).toBe(1);
      const got: ChatEvent[] = [];
      const leaked: ChatEvent[] = [];
      good.on('events', (e: ChatEvent) => got.push(e));
      bad.on('events', (e: ChatEvent) => leaked.push(e));
      anon.on('events', (e: ChatEvent) => leaked.push(e));
      const chatId = await newChat(s, user.id, 'a1');
      const { task_id } = await s.app.chatTasks.startChatCompletion({
        userId: user.id,
        chatId,
        messageId: 'a1',
        model: 'm',
        stream: scripted(['Hel', 'lo'], 5),
      });
      expect(task_id).toMatch(/[0-9a-f-]{36}/);
      await expect.poll(() => got.some((e) => e.data.type === 'chat:active' && !e.data.data.active), { timeout: 5000 }).toBe(true);
      const types = got.map((e) => e.data.type);
      expect(types[0]).toBe('chat:active');
      const final = got.filter((e) => e.data.type === 'chat:completion').at(-1)!;
      expect(final).toMatchObject({ chat_id: chatId, message_id: 'a1', data: { data: { content: 'Hello', done: true } } });
      expect(leaked).toEqual([]);
      const stored = await storedReply(s, chatId, 'a1');
      expect(stored).toMatchObject({ content: 'Hello', done: true, parentId: 'u1' });
    });

    it('sends the text once every deltaChunkSize deltas, and all of it with done', async () => {
      const { user, token } = await createUser(s.ctx);
      const so = open(token);
      await connected(so);
      await expect.poll(() => s.app.realtime.localSocketCount(user.id)).toBe(1);
      const got: ChatEvent[] = [];
      so.on('events', (e: ChatEvent) => got.push(e));
      const chatId = await newChat(s, user.id, 'b1');
      await s.app.chatTasks.startChatCompletion({ userId: user.id, chatId, messageId: 'b1', model: 'm', deltaChunkSize: 3, stream: scripted(['a', 'b', 'c', 'd', 'e', 'f', 'g'], 2) });
      await expect.poll(() => got.some((e) => e.data.type === 'chat:active' && !e.data.data.active), { timeout: 5000 }).toBe(true);
      const texts = got.filter((e) => e.data.type === 'chat:completion').map((e) => e.data.data as { content?: string; done?: boolean });
      expect(texts).toEqual([{ content: 'abc' }, { content: 'abcdef' }, expect.objectContaining({ content: 'abcdefg', done: true })]);
      expect(await storedReply(s, chatId, 'b1')).toMatchObject({ content: 'abcdefg', done: true });
    });

    it('acks user-join with the user, and nothing for an invalid token', async () => {
      const { user, token } = await createUser(s.ctx, { name: 'Joiner' });
      const so = open();
      await connected(so);
      expect(await so.timeout(2000).emitWithAck('user-join', { auth: { token } })).toEqual({ id: user.id, name: 'Joiner' });
      expect(await so.timeout(2000).emitWithAck('user-join', { auth: { token: 'nope' } })).toBeNull();
    });

    it('lists a running task by chat, stops it, and keeps the partial reply', async () => {
      const { user, token } = await createUser(s.ctx);
      const other = await createUser(s.ctx);
      const chatId = await newChat(s, user.id, 'a2');
      const parts = Array.from({ length: 200 }, (_, i) => `w${i} `);
      const { task_id } = await s.app.chatTasks.startChatCompletion({ userId: user.id, chatId, messageId: 'a2', model: 'm', stream: scripted(parts, 10) });

      expect(await (await s.request('GET', `/api/tasks/chat/${chatId}`, { token })).json()).toEqual({ task_ids: [task_id] });
      expect(await (await s.request('GET', '/api/tasks', { token })).json()).toEqual({ tasks: [task_id] });
      // Someone else sees no task and cannot stop it.
      expect(await (await s.request('GET', `/api/tasks/chat/${chatId}`, { token: other.token })).json()).toEqual({ task_ids: [] });
      expect((await s.request('POST', `/api/tasks/stop/${task_id}`, { token: other.token })).status).toBe(404);

      await new Promise((r) => setTimeout(r, 700)); // past one save interval
      const stop = await s.request('POST', `/api/tasks/stop/${task_id}`, { token });
      expect(stop.status).toBe(200);
      expect(await stop.json()).toMatchObject({ status: true });
      await expect.poll(async () => (await (await s.request('GET', `/api/tasks/chat/${chatId}`, { token })).json()).task_ids, { timeout: 3000 }).toEqual([]);
      const stored = await storedReply(s, chatId, 'a2');
      expect(stored!.content).toMatch(/^w0 w1 /);
      expect(stored!.content.length).toBeLessThan(parts.join('').length);
      expect(stored!.done).toBe(true);

      const missing = await s.request('POST', '/api/tasks/stop/does-not-exist', { token });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ detail: 'Task with ID does-not-exist not found.' });
    });

    it('never stores a temporary (local:) chat', async () => {
      const { user } = await createUser(s.ctx);
      const before = await s.ctx.db.kysely.selectFrom('chat').select(({ fn }) => fn.countAll().as('n')).executeTakeFirstOrThrow();
      const { task_id } = await s.app.chatTasks.startChatCompletion({ userId: user.id, chatId: 'local:abc', messageId: 'x', model: 'm', stream: scripted(['a'], 1) });
      expect(task_id).toBeTruthy();
      await new Promise((r) => setTimeout(r, 200));
      const after = await s.ctx.db.kysely.selectFrom('chat').select(({ fn }) => fn.countAll().as('n')).executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n));
    });

    it('refuses a websocket-transport request without upgrade headers, and serves polling', async () => {
      const res = await s.request('GET', '/ws/socket.io/?EIO=4&transport=websocket');
      expect(res.status).toBe(400);
      const poll = await s.request('GET', '/ws/socket.io/?EIO=4&transport=polling');
      expect(poll.status).toBe(200);
      expect(await poll.text()).toMatch(/"sid"/);
    });

    it(`reports ${mode === 'redis' ? 'redis and ' : ''}the database in /ready`, async () => {
      const body = await (await s.request('GET', '/ready')).json();
      expect(body.status).toBe(true);
      expect(Object.keys(body.checks).sort()).toEqual(mode === 'redis' ? ['database', 'redis'] : ['database']);
    });
  });
}

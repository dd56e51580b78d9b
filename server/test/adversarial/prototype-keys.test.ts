import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prototypePollution } from '../../src/security/poison-check.js';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createChat(s: TestServer, token: string): Promise<string> {
  const res = await s.request('POST', '/api/v1/chats/new', {
    token,
    body: { chat: { title: 't', history: { currentId: 'm1', messages: { m1: { id: 'm1', parentId: null, childrenIds: [], role: 'user', content: 'hi' } } } } },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

/**
 * Ids and keys from requests must never reach Object.prototype: the two reproducers of issue 12 and a
 * walk over every route of the live route table that takes a path parameter.
 */
describe('prototype keys as ids', () => {
  let s: TestServer;
  let ollama: FakeOllama;
  let admin: { token: string; user: { id: string } };
  let alice: { token: string; user: { id: string } };
  let bob: { token: string; user: { id: string } };

  beforeAll(async () => {
    ollama = await startFakeOllama({ models: ['llama3:latest'], reply: 'a fine reply' });
    s = await startTestServer({ OLLAMA_BASE_URL: ollama.url, ENABLE_OPENAI_API: 'false' });
    admin = await createUser(s.ctx, { role: 'admin' });
    alice = await createUser(s.ctx);
    bob = await createUser(s.ctx);
  });
  afterAll(async () => {
    await s.close();
    await ollama.close();
  });

  const healthy = async () => {
    expect(prototypePollution()).toEqual([]);
    expect((await s.request('GET', '/health')).status).toBe(200);
    expect(({} as Record<string, unknown>).content).toBeUndefined();
  };

  it('POST /chats/{id}/messages/__proto__ does not poison other users\' replies nor the own chat', async () => {
    const own = await createChat(s, alice.token);
    for (const key of PROTO_KEYS) {
      const res = await s.request('POST', `/api/v1/chats/${own}/messages/${key}`, { token: alice.token, body: { content: 'INJECTED' } });
      expect(res.status).toBe(422);
    }
    await healthy();
    // Even written through the service (no route validation), the id is an ordinary key of the document.
    const { chatsServiceFor } = await import('../../src/modules/chats/chats.service.js');
    await chatsServiceFor(s.ctx).upsertAssistantMessage(own, { messageId: '__proto__', content: 'INJECTED', fields: { done: true } });
    await healthy();
    const got = await s.request('GET', `/api/v1/chats/${own}`, { token: alice.token });
    expect(got.status).toBe(200);
    const text = await got.text();
    expect(JSON.parse(text).chat.history.currentId).toBe('__proto__');
    expect(text).toContain('"__proto__":{"id":"__proto__"');
    const again = await s.request('POST', `/api/v1/chats/${own}/messages/m2`, { token: alice.token, body: { content: 'later' } });
    expect(again.status).toBe(200);

    // Bob's next socket-delivered reply is stored as his own text, nothing appended.
    const bobsTask = await createChat(s, bob.token);
    await s.app.chatTasks.startChatCompletion({
      userId: bob.user.id,
      chatId: bobsTask,
      messageId: 'r1',
      model: 'llama3:latest',
      stream: async function* () {
        yield { choices: [{ delta: { content: 'clean reply' } }] };
      },
    });
    await sleep(300);
    const stored = (await (await s.request('GET', `/api/v1/chats/${bobsTask}`, { token: bob.token })).json()) as { chat: { history: { messages: Record<string, { content: string; done?: boolean }> } } };
    expect(stored.chat.history.messages.r1).toMatchObject({ content: 'clean reply', done: true });
    const bobs = await createChat(s, bob.token);
    const r = await s.request('POST', `/api/v1/chats/${bobs}/messages/m9`, { token: bob.token, body: { content: 'clean' } });
    expect(((await r.json()) as { chat: { history: { messages: Record<string, { content: string }> } } }).chat.history.messages.m9!.content).toBe('clean');
  });

  it('a socket-mode completion with id "__proto__" is refused and breaks nobody', async () => {
    const own = await createChat(s, alice.token);
    for (const key of PROTO_KEYS) {
      const res = await s.request('POST', '/api/chat/completions', {
        token: alice.token,
        body: { model: 'llama3:latest', messages: [{ role: 'user', content: 'hi' }], id: key, chat_id: own, session_id: 'sess-1' },
      });
      expect(res.status).toBe(400);
    }
    // The task path itself (as if validation were bypassed) keeps the id inside the document.
    const task = await s.app.chatTasks.startChatCompletion({
      userId: alice.user.id,
      chatId: own,
      messageId: '__proto__',
      model: 'llama3:latest',
      stream: async function* () {
        yield { choices: [{ delta: { content: 'INJECTED' } }] };
      },
    });
    expect(task.status).toBe(true);
    await sleep(300);
    await healthy();
    expect((await s.request('GET', '/api/models', { token: bob.token })).status).toBe(200);
    expect((await s.request('GET', '/api/v1/users/', { token: admin.token })).status).toBe(200);
    const signin = await s.request('POST', '/api/v1/auths/signin', { body: { email: 'nobody@example.com', password: 'x' } });
    expect(signin.status).toBeLessThan(500);
  });

  it('every route taking an id or key answers < 500 to the three prototype names, and the process stays clean', async () => {
    const routes = s.app.routeTable.filter((r) => /:[A-Za-z_]/.test(r.url) && r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (const r of routes) {
      for (const key of PROTO_KEYS) {
        const url = r.url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, key).replace(/\*/g, key);
        const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) ? JSON.stringify({ content: 'x', name: key, id: key }) : undefined;
        const res = await fetch(s.url + url, {
          method: r.method,
          headers: { authorization: `Bearer ${admin.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body,
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (res.status >= 500 && !/verify|\/ollama\/|\/openai\//.test(r.url)) failures.push(`${r.method} ${url} -> ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
    await healthy();
  });

  it('/health fails while Object.prototype is polluted', async () => {
    (Object.prototype as Record<string, unknown>).pwned = 1;
    try {
      expect((await s.request('GET', '/health')).status).toBe(500);
    } finally {
      delete (Object.prototype as Record<string, unknown>).pwned;
    }
    expect((await s.request('GET', '/health')).status).toBe(200);
  });
});

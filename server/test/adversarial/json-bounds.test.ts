import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('JSON depth and size are bounded at the edge; one bad row never breaks a list', () => {
  let ollama: FakeOllama;
  let s: TestServer;
  let admin: { token: string; user: { id: string } };
  let alice: { token: string; user: { id: string } };

  beforeAll(async () => {
    ollama = await startFakeOllama({ models: ['llama3:latest'] });
    s = await startTestServer({ OLLAMA_BASE_URL: ollama.url, ENABLE_OPENAI_API: 'false' });
    admin = await createUser(s.ctx, { role: 'admin' });
    alice = await createUser(s.ctx);
  });
  afterAll(async () => {
    await s.close();
    await ollama.close();
  });

  it('refuses a 4,000-deep user info with 400, and the admin user lists keep answering', async () => {
    const res = await s.request('POST', '/api/v1/users/user/info/update', { token: alice.token, body: `{"x":${deep(4000)}}` });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/nested too deeply/);
    expect((await s.request('GET', '/api/v1/users/', { token: admin.token })).status).toBe(200);
    // A normal document still goes through.
    const ok = await s.request('POST', '/api/v1/users/user/info/update', { token: alice.token, body: { location: { city: 'Lyon' } } });
    expect(ok.status).toBe(200);
  });

  it('10,000-deep bodies answer 400 on every kind of route, and nothing is sent upstream', async () => {
    ollama.reset();
    const chat = (await (await s.request('POST', '/api/v1/chats/new', { token: alice.token, body: { chat: { title: 'x' } } })).json()) as { id: string };
    for (const [path, body] of [
      ['/ollama/api/chat', `{"model":"llama3:latest","messages":[],"options":${deep(10000)}}`],
      ['/ollama/api/generate', deepArray(10000)],
      ['/api/chat/completions', `{"model":"llama3:latest","messages":[{"role":"user","content":${deep(10000)}}]}`],
      ['/api/v1/users/user/settings/update', `{"ui":${deep(10000)}}`],
      [`/api/v1/chats/${chat.id}/clone`, `{"title":${deep(10000)}}`],
      ['/api/v1/chats/new', `{"chat":${deep(10000)}}`],
      ['/api/v1/auths/signin', deep(10000)],
    ] as const) {
      const res = await s.request('POST', path, { token: alice.token, body });
      expect([400, 422], path).toContain(res.status);
    }
    expect(ollama.requests).toEqual([]);
  });

  it('a row with a broken or over-deep stored document reads as null in the user lists', async () => {
    const bad = await createUser(s.ctx);
    const worse = await createUser(s.ctx);
    await s.ctx.db.kysely.updateTable('user').set({ info: `{"x":${deep(20000)}}` }).where('id', '=', bad.user.id).execute();
    await s.ctx.db.kysely.updateTable('user').set({ settings: '{not json' }).where('id', '=', worse.user.id).execute();
    for (const path of ['/api/v1/users/', '/api/v1/users/all']) {
      const res = await s.request('GET', path, { token: admin.token });
      expect(res.status, path).toBe(200);
      const text = await res.text();
      expect(text).toContain(bad.user.id);
      expect(text).toContain(worse.user.id);
    }
  });

  it('a chat row whose stored text is not valid JSON does not break the chat lists', async () => {
    const good = (await (await s.request('POST', '/api/v1/chats/new', { token: alice.token, body: { chat: { title: 'good' } } })).json()) as { id: string };
    const id = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    await s.ctx.db.kysely
      .insertInto('chat')
      .values({ id, user_id: alice.user.id, title: 'broken', chat: '{"title": "broken", oops}', created_at: now, updated_at: now, share_id: null, archived: false, pinned: false, meta: '{}', folder_id: null } as never)
      .execute();
    for (const path of ['/api/v1/chats/all', '/api/v1/chats/', '/api/v1/chats/all/db']) {
      const res = await s.request('GET', path, { token: path.endsWith('/db') ? admin.token : alice.token });
      expect(res.status, path).toBe(200);
      const list = (await res.json()) as { id: string }[];
      expect(list.map((c) => c.id)).toEqual(expect.arrayContaining([good.id, id]));
    }
  });
});

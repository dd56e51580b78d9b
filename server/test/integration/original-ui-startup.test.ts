import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { joinedSocket } from '../helpers/sockets.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * What Open WebUI 0.6.34's own frontend calls from sign-in through the sidebar, a chat and the admin
 * General page (read from its src/lib/apis/*), answered in the original's shapes. Endpoints owned by
 * other features (tools, functions, models/base, configs/models, ldap) are tested with those features.
 */
describe("the original frontend's start-up calls", () => {
  let s: TestServer;
  let ollama: FakeOllama;
  let admin: { token: string; id: string };
  let user: { token: string; id: string };

  const call = async (method: string, p: string, token?: string, body?: unknown) => {
    const res = await s.request(method, p, { token, body });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: json as any, headers: res.headers };
  };

  beforeAll(async () => {
    ollama = await startFakeOllama({ models: ['llama3:latest'], reply: 'Hello from the fake model' });
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', OLLAMA_BASE_URL: ollama.url, ENABLE_OPENAI_API: 'false', ENABLE_TITLE_GENERATION: 'false', ENABLE_TAGS_GENERATION: 'false', ENABLE_FOLLOW_UP_GENERATION: 'false' });
    const a = await call('POST', '/api/v1/auths/signup', undefined, { name: 'Admin', email: 'admin@example.com', password: 'pass-word-1', profile_image_url: '/user.png' });
    admin = { token: a.body.token, id: a.body.id };
    await call('POST', '/api/v1/auths/admin/config', admin.token, { ...(await call('GET', '/api/v1/auths/admin/config', admin.token)).body, DEFAULT_USER_ROLE: 'user', ENABLE_SIGNUP: true });
    const u = await call('POST', '/api/v1/auths/signup', undefined, { name: 'Ada', email: 'ada@example.com', password: 'pass-word-1' });
    user = { token: u.body.token, id: u.body.id };
  });
  afterAll(async () => {
    await s?.close();
    await ollama?.close();
  });

  it('sign-in and the app layout: config, session, settings, models, banners, sidebar lists, usage', async () => {
    const t = user.token;
    expect((await call('GET', '/api/config', t)).body).toMatchObject({ status: true, features: { auth: true } });
    expect((await call('GET', '/api/v1/auths/', t)).body).toMatchObject({ id: user.id, role: 'user', token_type: 'Bearer' });
    expect((await call('GET', '/api/v1/users/user/settings', t)).status).toBe(200);
    const models = await call('GET', '/api/models', t);
    expect(models.status).toBe(200);
    expect(Array.isArray(models.body.data)).toBe(true);
    const banners = await call('GET', '/api/v1/configs/banners', t);
    expect(banners).toMatchObject({ status: 200, body: [] });
    expect(await call('GET', '/api/v1/channels/', t)).toMatchObject({ status: 200, body: [] });
    expect(await call('GET', '/api/v1/folders/', t)).toMatchObject({ status: 200, body: [] });
    expect(await call('GET', '/api/v1/chats/pinned', t)).toMatchObject({ status: 200, body: [] });
    expect(await call('GET', '/api/v1/chats/?page=1', t)).toMatchObject({ status: 200, body: [] });
    expect(await call('GET', '/api/v1/chats/all/tags', t)).toMatchObject({ status: 200, body: [] });
    expect(await call('GET', '/api/version/updates', t)).toMatchObject({ status: 200, body: { current: expect.any(String), latest: expect.any(String) } });
    expect((await call('GET', '/api/changelog')).status).toBe(200);
    const usage = await call('GET', '/api/usage', t);
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({ model_ids: expect.any(Array), user_ids: expect.any(Array) });
    expect((await call('POST', '/api/v1/auths/update/timezone', t, { timezone: 'Europe/Berlin' })).status).toBe(200);
  });

  it('banners: admin sets them, every signed-in user reads them; a user cannot set them; bad input is a 422', async () => {
    const banner = { id: 'b1', type: 'info', title: 'Maintenance', content: 'Down at 10 pm', dismissible: true, timestamp: 1700000000 };
    const set = await call('POST', '/api/v1/configs/banners', admin.token, { banners: [banner] });
    expect(set).toMatchObject({ status: 200, body: [banner] });
    expect((await call('GET', '/api/v1/configs/banners', user.token)).body).toEqual([banner]);
    expect((await call('POST', '/api/v1/configs/banners', user.token, { banners: [] })).status).toBe(401);
    const bad = await call('POST', '/api/v1/configs/banners', admin.token, { banners: [{ id: 'x' }] });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toBeDefined();
    expect((await call('GET', '/api/v1/configs/banners')).status).toBe(401);
  });

  it('admin General and Connections pages: webhook and connections config round-trip', async () => {
    expect(await call('GET', '/api/webhook', admin.token)).toMatchObject({ status: 200, body: { url: '' } });
    expect(await call('POST', '/api/webhook', admin.token, { url: 'https://hooks.example.com/x' })).toMatchObject({ status: 200, body: { url: 'https://hooks.example.com/x' } });
    expect((await call('GET', '/api/webhook', admin.token)).body).toEqual({ url: 'https://hooks.example.com/x' });
    expect((await call('POST', '/api/webhook', admin.token, { url: 'not a url' })).status).toBe(400);
    expect((await call('GET', '/api/webhook', user.token)).status).toBe(401);

    expect(await call('GET', '/api/v1/configs/connections', admin.token)).toMatchObject({ status: 200, body: { ENABLE_DIRECT_CONNECTIONS: false, ENABLE_BASE_MODELS_CACHE: false } });
    const set = await call('POST', '/api/v1/configs/connections', admin.token, { ENABLE_DIRECT_CONNECTIONS: true, ENABLE_BASE_MODELS_CACHE: false });
    expect(set.body).toEqual({ ENABLE_DIRECT_CONNECTIONS: true, ENABLE_BASE_MODELS_CACHE: false });
    expect((await call('GET', '/api/v1/configs/connections', admin.token)).body.ENABLE_DIRECT_CONNECTIONS).toBe(true);
    expect((await call('POST', '/api/v1/configs/connections', admin.token, { ENABLE_DIRECT_CONNECTIONS: 'yes' })).status).toBe(422);
  });

  it('prompt suggestions: none by default in /api/config, an admin sets them', async () => {
    expect((await call('GET', '/api/config', user.token)).body.default_prompt_suggestions).toEqual([]);
    const mine = [{ title: ['Say hi', 'politely'], content: 'Say hi' }];
    expect(await call('POST', '/api/v1/configs/suggestions', admin.token, { suggestions: mine })).toMatchObject({ status: 200, body: mine });
    expect((await call('GET', '/api/config', user.token)).body.default_prompt_suggestions).toEqual(mine);
    expect((await call('POST', '/api/v1/configs/suggestions', user.token, { suggestions: [] })).status).toBe(401);
  });

  it('admin Database / Evaluations / Code execution pages: config export+import, disabled forms', async () => {
    await call('POST', '/api/v1/configs/banners', admin.token, { banners: [] });
    const exported = await call('GET', '/api/v1/configs/export', admin.token);
    expect(exported.status).toBe(200);
    expect(exported.body.ui).toBeDefined();
    const tree = { ...exported.body, webhook_url: 'https://hooks.example.com/imported' };
    expect((await call('POST', '/api/v1/configs/import', admin.token, { config: tree })).body.webhook_url).toBe('https://hooks.example.com/imported');
    expect((await call('GET', '/api/webhook', admin.token)).body.url).toBe('https://hooks.example.com/imported');
    expect((await call('POST', '/api/v1/configs/import', admin.token, { config: 'x' })).status).toBe(422);
    expect((await call('GET', '/api/v1/configs/export', user.token)).status).toBe(401);
    expect((await call('GET', '/api/v1/evaluations/config', admin.token)).body).toEqual({ ENABLE_EVALUATION_ARENA_MODELS: false, EVALUATION_ARENA_MODELS: [] });
    expect((await call('GET', '/api/v1/configs/code_execution', admin.token)).body).toMatchObject({ ENABLE_CODE_EXECUTION: false, ENABLE_CODE_INTERPRETER: false });
  });

  it('POST /api/chat/completed returns the body (no filters), minus model_item', async () => {
    const body = { model: 'llama3:latest', messages: [{ id: 'm1', role: 'assistant', content: 'hi' }], chat_id: 'c1', id: 'm1', session_id: 's', model_item: { direct: false } };
    const res = await call('POST', '/api/chat/completed', user.token, body);
    expect(res.status).toBe(200);
    const { model_item: _m, ...rest } = body;
    expect(res.body).toEqual(rest);
    expect((await call('POST', '/api/chat/completed', user.token, { messages: 'x' })).status).toBe(422);
    expect((await call('POST', '/api/chat/completed', undefined, body)).status).toBe(401);
  });

  it('/static serves built-in favicon, splash, custom.css, and a file an admin put into STATIC_DIR wins', async () => {
    const fav = await s.request('GET', '/static/favicon.png');
    expect(fav.status).toBe(200);
    expect(fav.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await fav.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    expect((await s.request('GET', '/static/splash.png')).status).toBe(200);
    const css = await s.request('GET', '/static/custom.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect((await s.request('GET', '/favicon.png')).status).toBe(200);

    const dir = s.ctx.config.paths.staticDir;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'custom.css'), 'body { color: red }');
    expect(await (await s.request('GET', '/static/custom.css')).text()).toBe('body { color: red }');
    expect((await s.request('GET', '/static/nope.png')).status).toBe(404);
    expect((await s.request('GET', '/static/..%2f..%2fetc%2fpasswd')).status).toBe(404);
    expect((await s.request('GET', '/static/%E0%A4%A')).status).toBe(400);
  });

  it('replies stream live to a socket listening on either event name (0.6.32 chat-events, 0.6.33+ events)', async () => {
    const so = await joinedSocket(s.url, user.token);
    try {
      const seen = { events: [] as any[], chatEvents: [] as any[] };
      so.on('events', (e) => seen.events.push(e));
      so.on('chat-events', (e) => seen.chatEvents.push(e));
      const chat = await call('POST', '/api/v1/chats/new', user.token, { chat: { title: 'New Chat', models: ['llama3:latest'], history: { currentId: 'u1', messages: { u1: { id: 'u1', parentId: null, childrenIds: [], role: 'user', content: 'hi' } } } } });
      const res = await call('POST', '/api/chat/completions', user.token, { model: 'llama3:latest', messages: [{ role: 'user', content: 'hi' }], stream: true, chat_id: chat.body.id, id: 'a1', session_id: so.id });
      expect(res.body).toMatchObject({ status: true, task_id: expect.any(String) });
      await expect.poll(() => seen.events.some((e) => e.data.type === 'chat:completion' && e.data.data.done), { timeout: 10_000 }).toBe(true);
      await expect.poll(() => seen.chatEvents.some((e) => e.data.type === 'chat:completion' && e.data.data.done), { timeout: 10_000 }).toBe(true);
      const last = seen.chatEvents.filter((e) => e.data.type === 'chat:completion').at(-1);
      expect(last).toMatchObject({ chat_id: chat.body.id, message_id: 'a1', data: { data: { content: 'Hello from the fake model', done: true } } });
      // A client that asked for `events` only gets no `chat-events` copy.
      const modern = await joinedSocket(s.url, user.token, { events: 'events' });
      const modernSeen = { events: 0, chatEvents: 0 };
      modern.on('events', () => modernSeen.events++);
      modern.on('chat-events', () => modernSeen.chatEvents++);
      await call('POST', '/api/chat/completions', user.token, { model: 'llama3:latest', messages: [{ role: 'user', content: 'again' }], stream: true, chat_id: chat.body.id, id: 'a2', session_id: so.id });
      await expect.poll(() => modernSeen.events, { timeout: 10_000 }).toBeGreaterThan(2);
      await new Promise((r) => setTimeout(r, 200));
      expect(modernSeen.chatEvents).toBe(0);
      modern.close();
      so.emit('usage', { model: 'llama3:latest' });
      await expect.poll(async () => (await call('GET', '/api/usage', admin.token)).body.model_ids).toContain('llama3:latest');
      expect((await call('GET', '/api/usage', admin.token)).body.user_ids).toContain(user.id);
    } finally {
      so.close();
    }
  });
  it('params.stream_delta_chunk_size sends the text once every that many deltas (the original knob)', async () => {
    const so = await joinedSocket(s.url, user.token, { events: 'events' });
    try {
      const seen: any[] = [];
      so.on('events', (e) => seen.push(e));
      const chat = await call('POST', '/api/v1/chats/new', user.token, { chat: { title: 'Batched', models: ['llama3:latest'], history: { currentId: 'u1', messages: { u1: { id: 'u1', parentId: null, childrenIds: [], role: 'user', content: 'hi' } } } } });
      const body = { model: 'llama3:latest', messages: [{ role: 'user', content: 'hi' }], stream: true, chat_id: chat.body.id, id: 'b1', session_id: so.id, params: { stream_delta_chunk_size: 2 } };
      expect((await call('POST', '/api/chat/completions', user.token, body)).body).toMatchObject({ status: true });
      await expect.poll(() => seen.some((e) => e.message_id === 'b1' && e.data.type === 'chat:completion' && e.data.data.done), { timeout: 10_000 }).toBe(true);
      // "Hello from the fake model" is five deltas: the text after the 2nd and the 4th, then all of it with done.
      const texts = seen.filter((e) => e.message_id === 'b1' && e.data.type === 'chat:completion').map((e) => e.data.data);
      expect(texts.map((d) => d.content)).toEqual(['Hello from ', 'Hello from the fake ', 'Hello from the fake model']);
      expect(texts.at(-1).done).toBe(true);
    } finally {
      so.close();
    }
  });
});

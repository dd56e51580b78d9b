import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const KEY = 'sk-upstream-1';
const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('/openai router', () => {
  let s: TestServer;
  let up: FakeOpenAI;
  let admin: string;
  let user: string;

  beforeAll(async () => {
    up = await startFakeOpenAI({ apiKey: KEY });
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', OPENAI_API_BASE_URLS: up.url, OPENAI_API_KEYS: KEY, ENABLE_OLLAMA_API: 'false', MODELS_CACHE_TTL: '60' });
    admin = (await createUser(s.ctx, { role: 'admin' })).token;
    user = (await createUser(s.ctx, { role: 'user' })).token;
  });
  afterAll(async () => {
    await s.close();
    await up.close();
  });
  beforeEach(() => {
    up.requests.length = 0;
    Object.assign(up, { failNext: null, hang: false, breakStreamAfter: null, chunkDelayMs: 0, reply: 'Hello from the fake OpenAI server.' });
  });

  const chat = (body: Record<string, unknown>, token = user) => s.request('POST', '/openai/chat/completions', { token, body });

  it('shows the connection config to admins only and saves updates the original way', async () => {
    expect((await s.request('GET', '/openai/config', { token: user })).status).toBe(401);
    const cfg = await (await s.request('GET', '/openai/config', { token: admin })).json();
    expect(cfg).toEqual({ ENABLE_OPENAI_API: true, OPENAI_API_BASE_URLS: [up.url], OPENAI_API_KEYS: [KEY], OPENAI_API_CONFIGS: {} });

    const res = await s.request('POST', '/openai/config/update', {
      token: admin,
      body: {
        ENABLE_OPENAI_API: true,
        OPENAI_API_BASE_URLS: [up.url + '/', 'http://127.0.0.1:9/v1'],
        OPENAI_API_KEYS: [KEY, 'k2', 'extra'],
        OPENAI_API_CONFIGS: { '0': { prefix_id: 'fk', tags: ['cloud'] }, '1': { enable: false }, '5': { enable: true } },
      },
    });
    expect(await res.json()).toEqual({
      ENABLE_OPENAI_API: true,
      OPENAI_API_BASE_URLS: [up.url, 'http://127.0.0.1:9/v1'],
      OPENAI_API_KEYS: [KEY, 'k2'],
      OPENAI_API_CONFIGS: { '0': { prefix_id: 'fk', tags: ['cloud'] }, '1': { enable: false } },
    });
    // The cached list is dropped on change: the prefix shows at once even with a 60 s TTL.
    const models = await (await s.request('GET', '/openai/models', { token: user })).json();
    expect(models.data.map((m: { id: string }) => m.id).sort()).toEqual(['fk.gpt-4o-mini', 'fk.text-embedding-3-small']);
    expect(models.data[0]).toMatchObject({ owned_by: 'openai', urlIdx: 0, connection_type: 'external', tags: ['cloud'], object: 'model' });
    // Prefix stripped before forwarding.
    const r = await chat({ model: 'fk.gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    expect(r.status).toBe(200);
    expect(up.requests.at(-1)!.body!.model).toBe('gpt-4o-mini');

    await s.request('POST', '/openai/config/update', {
      token: admin,
      body: { ENABLE_OPENAI_API: true, OPENAI_API_BASE_URLS: [up.url], OPENAI_API_KEYS: [KEY], OPENAI_API_CONFIGS: {} },
    });
  });

  it('lists models, per connection too, and hides models when model_ids or enable say so', async () => {
    const all = await (await s.request('GET', '/openai/models', { token: user })).json();
    expect(all.data.map((m: { id: string }) => m.id)).toEqual(['gpt-4o-mini', 'text-embedding-3-small']);
    expect(all.data[0].openai).toMatchObject({ id: 'gpt-4o-mini', owned_by: 'fake-org' });
    const one = await (await s.request('GET', '/openai/models/0', { token: user })).json();
    expect(one.data).toHaveLength(2);
    expect((await s.request('GET', '/openai/models/7', { token: user })).status).toBe(404);
    await s.ctx.settings.set({ OPENAI_API_CONFIGS: { '0': { model_ids: ['only-this'] } } });
    const synth = await (await s.request('GET', '/openai/models', { token: user })).json();
    expect(synth.data.map((m: { id: string }) => m.id)).toEqual(['only-this']);
    await s.ctx.settings.set({ OPENAI_API_CONFIGS: { '0': { enable: false } } });
    expect((await (await s.request('GET', '/openai/models', { token: user })).json()).data).toEqual([]);
    await s.ctx.settings.set({ OPENAI_API_CONFIGS: {} });
  });

  it('verifies a connection (admin) and reports failures like the original', async () => {
    const ok = await s.request('POST', '/openai/verify', { token: admin, body: { url: up.url, key: KEY } });
    expect((await ok.json()).data).toHaveLength(2);
    const bad = await s.request('POST', '/openai/verify', { token: admin, body: { url: up.url, key: 'wrong' } });
    expect(bad.status).toBe(500);
    expect((await bad.json()).detail).toBe('External Error: Incorrect API key provided.');
    const down = await s.request('POST', '/openai/verify', { token: admin, body: { url: 'http://127.0.0.1:9/v1', key: '' } });
    expect(await down.json()).toEqual({ detail: 'Open WebUI: Server Connection Error' });
    expect((await s.request('POST', '/openai/verify', { token: user, body: { url: up.url, key: KEY } })).status).toBe(401);
  });

  it('passes SSE through unbuffered with the upstream key and without Open WebUI fields', async () => {
    const res = await chat({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
      chat_id: 'c1',
      id: 'm1',
      session_id: 's1',
      files: [],
      features: { web_search: false },
      params: {},
      background_tasks: { title_generation: true },
      metadata: { x: 1 },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const text = await res.text();
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    const rec = up.requests.at(-1)!;
    expect(rec.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(Object.keys(rec.body!).sort()).toEqual(['messages', 'model', 'stream']);
  });

  it('answers unknown models with 404 "Model not found" and sends no chat upstream', async () => {
    const res = await chat({ model: 'nope', messages: [] });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ detail: 'Model not found', error: { message: 'Model not found' } });
    expect(up.requests.some((r) => r.path.endsWith('/chat/completions'))).toBe(false);
  });

  it('keeps upstream error status and message', async () => {
    up.failNext = { status: 400, message: "Invalid value for 'temperature'", code: 'invalid_value' };
    const a = await chat({ model: 'gpt-4o-mini', messages: [] });
    expect(a.status).toBe(400);
    expect(await a.json()).toMatchObject({ detail: "Invalid value for 'temperature'", error: { message: "Invalid value for 'temperature'" } });
    up.failNext = { status: 502, message: '', raw: '<html>bad gateway</html>' };
    const b = await chat({ model: 'gpt-4o-mini', messages: [] });
    expect(b.status).toBe(502);
    expect((await b.json()).detail).toBe('Open WebUI: Server Connection Error');
  });

  it('ends a stream that breaks midway with an error event', async () => {
    up.breakStreamAfter = 2;
    const res = await chat({ model: 'gpt-4o-mini', stream: true, messages: [] });
    const text = await res.text();
    expect(text).toMatch(/data: \{"error":\{"message":"Stream interrupted/);
  });

  it('aborts the upstream stream when the client disconnects', async () => {
    up.reply = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');
    up.chunkDelayMs = 20;
    const controller = new AbortController();
    const res = await fetch(`${s.url}/openai/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [] }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await until(() => up.abortedStreams > 0);
  });

  it('forwards embeddings to the owning connection', async () => {
    const res = await s.request('POST', '/openai/embeddings', { token: user, body: { model: 'text-embedding-3-small', input: 'abc' } });
    expect((await res.json()).data[0].embedding).toHaveLength(4);
  });

  it('serves audio/speech from the cache, and needs api.openai.com otherwise', async () => {
    const body = JSON.stringify({ model: 'tts-1', input: 'hello', voice: 'alloy' });
    const res = await s.request('POST', '/openai/audio/speech', { token: user, body });
    expect(res.status).toBe(401);
    expect((await res.json()).detail).toBe('OpenAI API was not found');
    const dir = path.join(s.dataDir, 'cache', 'audio', 'speech');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${createHash('sha256').update(body).digest('hex')}.mp3`), 'ID3cached');
    const hit = await s.request('POST', '/openai/audio/speech', { token: user, body });
    expect(hit.headers.get('content-type')).toBe('audio/mpeg');
    expect(await hit.text()).toBe('ID3cached');
  });

  it('proxies anything else to connection 0 with its key (deprecated catch-all)', async () => {
    const res = await s.request('POST', '/openai/moderations', { token: user, body: { input: 'x' } });
    expect(res.status).toBe(404);
    expect((await res.json()).detail).toBe('External: Unknown request URL: POST /v1/moderations');
    const rec = up.requests.at(-1)!;
    expect(rec.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(rec.body).toEqual({ input: 'x' });
    const models = await s.request('GET', '/openai/models?x=1', { token: user });
    expect(models.status).toBe(200);
    expect((await s.request('GET', '/openai/anything', {})).status).toBe(401);
  });
});

describe('/openai with Azure and timeouts', () => {
  let s: TestServer;
  let up: FakeOpenAI;
  let user: string;

  beforeAll(async () => {
    up = await startFakeOpenAI({ apiKey: 'az-key' });
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', OPENAI_API_BASE_URLS: up.origin, OPENAI_API_KEYS: 'az-key', ENABLE_OLLAMA_API: 'false', AIOHTTP_CLIENT_TIMEOUT: '1' });
    await s.ctx.settings.set({ OPENAI_API_CONFIGS: { '0': { azure: true, api_version: '2024-10-21', model_ids: ['gpt-4o-mini'] } } });
    user = (await createUser(s.ctx, { role: 'user' })).token;
  });
  afterAll(async () => {
    await s.close();
    await up.close();
  });

  it('uses deployment URLs, api-version and the api-key header', async () => {
    const res = await s.request('POST', '/openai/chat/completions', { token: user, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] } });
    expect(res.status).toBe(200);
    const rec = up.requests.at(-1)!;
    expect(rec.path).toBe('/openai/deployments/gpt-4o-mini/chat/completions');
    expect(rec.query.get('api-version')).toBe('2024-10-21');
    expect(rec.headers['api-key']).toBe('az-key');
    expect(rec.headers.authorization).toBeUndefined();
  });

  it('gives up on a silent upstream within AIOHTTP_CLIENT_TIMEOUT (504)', async () => {
    up.hang = true;
    const started = Date.now();
    const res = await s.request('POST', '/openai/chat/completions', { token: user, body: { model: 'gpt-4o-mini', messages: [] } });
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(5000);
    up.hang = false;
  });
});

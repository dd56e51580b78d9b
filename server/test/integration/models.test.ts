import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Json = Record<string, any>;

describe('/api/models', () => {
  let s: TestServer;
  let a: FakeOllama;
  let b: FakeOllama;
  let up: FakeOpenAI;
  let user: string;
  let admin: string;

  beforeAll(async () => {
    a = await startFakeOllama({ models: ['qwen3:8b', 'Llama3.2:latest'] });
    b = await startFakeOllama({ models: ['qwen3:8b', 'mistral:7b'] });
    up = await startFakeOpenAI({ models: ['gpt-4o-mini', 'o3-mini'] });
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true',
      OLLAMA_BASE_URLS: `${a.url};${b.url}`,
      // A dead second connection must cost nothing but its own models.
      OPENAI_API_BASE_URLS: `${up.url};http://127.0.0.1:9/v1`,
      MODELS_CACHE_TTL: '60',
    });
    await s.ctx.settings.set({ OLLAMA_API_CONFIGS: { '1': { tags: ['gpu', { name: 'fast' }] } } });
    user = (await createUser(s.ctx, { role: 'user' })).token;
    admin = (await createUser(s.ctx, { role: 'admin' })).token;
  });
  afterAll(async () => {
    await s.close();
    await a.close();
    await b.close();
    await up.close();
  });

  const list = async (path = '/api/models', token = user) => (await (await s.request('GET', path, { token })).json()).data as Json[];

  it('merges every connection into one list with the original fields, sorted by name', async () => {
    const models = await list();
    expect(models.map((m) => m.id)).toEqual(['gpt-4o-mini', 'Llama3.2:latest', 'mistral:7b', 'o3-mini', 'qwen3:8b']);
    const qwen = models.find((m) => m.id === 'qwen3:8b')!;
    expect(qwen).toMatchObject({
      id: 'qwen3:8b',
      name: 'qwen3:8b',
      object: 'model',
      owned_by: 'ollama',
      connection_type: 'local',
      urls: [0, 1],
      ollama: { model: 'qwen3:8b', urls: [0, 1] },
      tags: [],
    });
    expect(typeof qwen.created).toBe('number');
    expect(models.find((m) => m.id === 'mistral:7b')!.tags).toEqual([{ name: 'gpu' }, { name: 'fast' }]);
    expect(models.find((m) => m.id === 'gpt-4o-mini')).toMatchObject({
      owned_by: 'openai',
      connection_type: 'external',
      urlIdx: 0,
      openai: { id: 'gpt-4o-mini' },
    });
    expect(await list('/api/v1/models')).toHaveLength(5);
  });

  it('puts MODEL_ORDER_LIST first', async () => {
    await s.ctx.settings.set({ MODEL_ORDER_LIST: ['qwen3:8b', 'o3-mini'] });
    expect((await list()).map((m) => m.id)).toEqual(['qwen3:8b', 'o3-mini', 'gpt-4o-mini', 'Llama3.2:latest', 'mistral:7b']);
    await s.ctx.settings.set({ MODEL_ORDER_LIST: null });
  });

  it('serves from cache within MODELS_CACHE_TTL; refresh=true asks the upstreams again', async () => {
    await list();
    const before = a.requests.filter((r) => r.path === '/api/tags').length + up.requests.filter((r) => r.path === '/v1/models').length;
    await list();
    const cached = a.requests.filter((r) => r.path === '/api/tags').length + up.requests.filter((r) => r.path === '/v1/models').length;
    expect(cached).toBe(before);
    await list('/api/models?refresh=true');
    expect(a.requests.filter((r) => r.path === '/api/tags').length).toBeGreaterThan(0);
    const after = a.requests.filter((r) => r.path === '/api/tags').length + up.requests.filter((r) => r.path === '/v1/models').length;
    expect(after).toBe(before + 2);
  });

  it('drops a disabled API from the list', async () => {
    await s.ctx.settings.set({ ENABLE_OPENAI_API: false });
    expect((await list()).every((m) => m.owned_by === 'ollama')).toBe(true);
    await s.ctx.settings.set({ ENABLE_OPENAI_API: true });
  });

  it('guards: pending users and anonymous callers are refused; /base is for admins', async () => {
    const pending = (await createUser(s.ctx, { role: 'pending' })).token;
    expect((await s.request('GET', '/api/models', { token: pending })).status).toBe(401);
    expect((await s.request('GET', '/api/models')).status).toBe(401);
    expect((await s.request('GET', '/api/models/base', { token: user })).status).toBe(401);
    expect(await list('/api/models/base', admin)).toHaveLength(5);
  });
});

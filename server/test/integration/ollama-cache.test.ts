import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaService } from '../../src/modules/ollama/ollama.service.js';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('Ollama model-list cache and forwarded user headers', () => {
  let fake: FakeOllama;
  let s: TestServer;
  let token: string;
  let userId: string;
  const tagCalls = () => fake.requests.filter((r) => r.path === '/api/tags').length;

  beforeAll(async () => {
    fake = await startFakeOllama({ models: ['llama3:latest'] });
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', OLLAMA_BASE_URL: fake.url, MODELS_CACHE_TTL: '30', ENABLE_FORWARD_USER_INFO_HEADERS: 'true' });
    const u = await createUser(s.ctx, { role: 'user', name: 'Zoë Admin' });
    token = u.token;
    userId = u.user.id;
  });
  afterAll(async () => {
    await s.close();
    await fake.close();
  });

  it('serves repeated and concurrent list calls from one upstream round', async () => {
    const before = tagCalls();
    await Promise.all(Array.from({ length: 5 }, () => s.request('GET', '/ollama/api/tags', { token })));
    await s.request('GET', '/ollama/api/tags', { token });
    await s.request('GET', '/ollama/v1/models', { token });
    expect(tagCalls() - before).toBe(1);
  });

  it('refreshes on a model it has not seen yet, and when the connections change', async () => {
    fake.script({ models: ['llama3:latest', 'fresh:latest'] });
    const res = await s.request('POST', '/ollama/api/chat', { token, body: { model: 'fresh', messages: [{ role: 'user', content: 'x' }], stream: false } });
    expect(res.status).toBe(200);
    const before = tagCalls();
    await s.ctx.settings.set({ OLLAMA_API_CONFIGS: { '0': { prefix_id: 'p' } } });
    const { models } = (await (await s.request('GET', '/ollama/api/tags', { token })).json()) as { models: { model: string }[] };
    expect(tagCalls() - before).toBe(1);
    expect(models.map((m) => m.model).sort()).toEqual(['p.fresh:latest', 'p.llama3:latest']);
    await s.ctx.settings.set({ OLLAMA_API_CONFIGS: {} });
  });

  it('exposes the merged list to other modules through OllamaService', async () => {
    const svc = OllamaService.for(s.ctx);
    const entry = await svc.resolveModel('llama3');
    expect(entry).toMatchObject({ model: 'llama3:latest', urls: [0], connection_type: 'local' });
    const { response, model } = await svc.chat({ model: 'llama3', messages: [{ role: 'user', content: 'x' }], stream: true });
    expect(model).toBe('llama3:latest');
    let text = '';
    for await (const chunk of response.body) text += String(chunk);
    expect(text.trim().split('\n').length).toBeGreaterThan(2);
  });

  it('forwards X-OpenWebUI-User-* headers when enabled', async () => {
    await s.request('POST', '/ollama/api/chat', { token, body: { model: 'llama3', messages: [{ role: 'user', content: 'x' }], stream: false, metadata: { chat_id: 'c-1' } } });
    const rec = fake.requests.filter((r) => r.path === '/api/chat').at(-1)!;
    expect(rec.headers['x-openwebui-user-id']).toBe(userId);
    expect(rec.headers['x-openwebui-user-name']).toBe(encodeURIComponent('Zoë Admin'));
    expect(rec.headers['x-openwebui-user-role']).toBe('user');
    expect(rec.headers['x-openwebui-chat-id']).toBe('c-1');
    expect(rec.body).not.toHaveProperty('metadata');
  });
});

/**
 * Issue 13 "Done when": an admin makes fake-llama public, shares fake-qwen with the group "research"
 * and creates a "Support bot" preset; a plain user outside the group sees fake-llama and Support bot
 * only, is refused fake-qwen on every generation route, and chats with Support bot with its system
 * prompt applied; a member of "research" also sees fake-qwen. The same holds with the user's API key.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CompletionsService } from '../../src/modules/completions/completions.service.js';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Json = Record<string, any>;
const OLLAMA_MODELS = ['fake-llama:latest', 'secret:latest'];

describe('workspace model access (issue 13 scenario)', () => {
  let s: TestServer;
  let ollama: FakeOllama;
  let up: FakeOpenAI;
  let admin: string;
  let outsider: { token: string; name: string; key: string; user: any };
  let member: { token: string; key: string };
  let researchId: string;

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await s.request(method, path, { token, body });
    const text = await res.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, body: json };
  };
  const ok = async (method: string, path: string, token: string, body?: unknown) => {
    const r = await call(method, path, token, body);
    expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body;
  };
  const ids = async (token: string) => ((await ok('GET', '/api/models', token)).data as Json[]).map((m) => m.id);
  const chat = (token: string, model: string, extra: Json = {}) =>
    call('POST', '/api/chat/completions', token, { model, messages: [{ role: 'user', content: 'hi' }], stream: false, ...extra });

  beforeAll(async () => {
    ollama = await startFakeOllama({ models: OLLAMA_MODELS, reply: 'Hello there' });
    up = await startFakeOpenAI({ models: ['fake-qwen'] });
    s = await startTestServer({ OLLAMA_BASE_URL: ollama.url, OPENAI_API_BASE_URL: up.url, ENABLE_API_KEYS: 'true' });
    admin = (await createUser(s.ctx, { role: 'admin', name: 'Ada' })).token;
    const o = await createUser(s.ctx, { role: 'user', name: 'Olive' });
    const m = await createUser(s.ctx, { role: 'user', name: 'Mia' });

    // API keys for plain users (default permissions), then the keys themselves.
    const defaults = await ok('GET', '/api/v1/users/default/permissions', admin);
    await ok('POST', '/api/v1/users/default/permissions', admin, { ...defaults, features: { ...defaults.features, api_keys: true } });
    outsider = { token: o.token, name: 'Olive', user: o.user, key: (await ok('POST', '/api/v1/auths/api_key', o.token)).api_key };
    member = { token: m.token, key: (await ok('POST', '/api/v1/auths/api_key', m.token)).api_key };

    const research = await ok('POST', '/api/v1/groups/create', admin, { name: 'research', description: 'R&D' });
    researchId = research.id;
    await ok('POST', `/api/v1/groups/id/${researchId}/update`, admin, { name: 'research', description: 'R&D', user_ids: [m.user.id] });

    await ok('POST', '/api/v1/models/create', admin, { id: 'fake-llama:latest', base_model_id: null, name: 'fake-llama', meta: {}, params: {}, access_control: null });
    await ok('POST', '/api/v1/models/create', admin, {
      id: 'fake-qwen',
      name: 'fake-qwen',
      meta: {},
      params: {},
      access_control: { read: { group_ids: [researchId], user_ids: [] }, write: { group_ids: [], user_ids: [] } },
    });
    await ok('POST', '/api/v1/models/create', admin, {
      id: 'support-bot',
      base_model_id: 'fake-llama:latest',
      name: 'Support bot',
      meta: { description: 'Answers support questions', suggestion_prompts: [{ content: 'Reset my password' }] },
      params: { system: 'You are the support bot. You talk to {{USER_NAME}}.', temperature: 0.3, num_ctx: 4096 },
      access_control: null,
    });
  });
  afterAll(async () => {
    await s.close();
    await ollama.close();
    await up.close();
  });
  beforeEach(() => {
    ollama.requests.length = 0;
    up.requests.length = 0;
  });

  for (const via of ['session token', 'API key'] as const) {
    describe(`via ${via}`, () => {
      const o = () => (via === 'API key' ? outsider.key : outsider.token);
      const mem = () => (via === 'API key' ? member.key : member.token);

      it('the outsider sees fake-llama and Support bot only; the member also fake-qwen; the admin everything', async () => {
        expect(await ids(o())).toEqual(['fake-llama:latest', 'support-bot']);
        expect(await ids(mem())).toEqual(['fake-llama:latest', 'fake-qwen', 'support-bot']);
        expect((await ids(admin)).sort()).toEqual(['fake-llama:latest', 'fake-qwen', 'secret:latest', 'support-bot']);
        const bot = ((await ok('GET', '/api/models', o())).data as Json[]).find((m) => m.id === 'support-bot')!;
        expect(bot).toMatchObject({ name: 'Support bot', owned_by: 'ollama', preset: true, info: { base_model_id: 'fake-llama:latest', meta: { description: 'Answers support questions' } } });
      });

      it('the outsider gets the original refusal for fake-qwen and unrecorded models on /api/chat/completions; nothing goes upstream', async () => {
        expect(await chat(o(), 'fake-qwen')).toEqual({ status: 400, body: expect.objectContaining({ detail: 'Model not found' }) });
        expect(await chat(o(), 'secret:latest')).toEqual({ status: 400, body: expect.objectContaining({ detail: 'Model not found' }) });
        expect(up.requests.filter((r) => r.path.includes('chat'))).toHaveLength(0);
        expect(ollama.requests.filter((r) => r.path === '/api/chat')).toHaveLength(0);
      });

      it('chatting with Support bot goes upstream as fake-llama with its system prompt and params', async () => {
        const r = await chat(o(), 'support-bot');
        expect(r.status).toBe(200);
        expect(r.body.choices[0].message.content).toContain('Hello');
        const sent = ollama.requests.find((x) => x.path === '/api/chat')!.body as Json;
        expect(sent.model).toBe('fake-llama:latest');
        expect(sent.messages[0]).toEqual({ role: 'system', content: `You are the support bot. You talk to ${outsider.name}.` });
        expect(sent.options).toMatchObject({ temperature: 0.3, num_ctx: 4096 });
      });

      it('the request overrides preset params; a leading system message gets the preset prompt prepended', async () => {
        const r = await chat(o(), 'support-bot', { temperature: 0.9, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] });
        expect(r.status).toBe(200);
        const sent = ollama.requests.find((x) => x.path === '/api/chat')!.body as Json;
        expect(sent.options.temperature).toBe(0.9);
        expect(sent.messages[0].content).toBe(`You are the support bot. You talk to ${outsider.name}.\nBe brief.`);
      });

      it('the member chats with fake-qwen', async () => {
        const r = await chat(mem(), 'fake-qwen');
        expect(r.status).toBe(200);
        expect(up.requests.some((x) => x.path === '/v1/chat/completions')).toBe(true);
      });

      it('/ollama generation routes: 403 "Model not found" for what the caller may not use, preset applied otherwise', async () => {
        const msgs = [{ role: 'user', content: 'hi' }];
        for (const [path, body] of [
          ['/ollama/api/chat', { model: 'secret:latest', messages: msgs, stream: false }],
          ['/ollama/api/generate', { model: 'secret:latest', prompt: 'hi', stream: false }],
          ['/ollama/v1/chat/completions', { model: 'secret:latest', messages: msgs }],
          ['/ollama/v1/completions', { model: 'secret:latest', prompt: 'hi' }],
          ['/ollama/api/chat/0', { model: 'secret:latest', messages: msgs, stream: false }],
        ] as const) {
          expect(await call('POST', path, o(), body), path).toEqual({ status: 403, body: expect.objectContaining({ detail: 'Model not found' }) });
        }
        expect(ollama.requests.filter((r) => r.method === 'POST')).toHaveLength(0);

        await ok('POST', '/ollama/api/chat', o(), { model: 'support-bot', messages: msgs, stream: false });
        const sent = ollama.requests.find((x) => x.path === '/api/chat')!.body as Json;
        expect(sent.model).toBe('fake-llama:latest');
        expect(sent.messages[0].role).toBe('system');
        expect(sent.options.temperature).toBe(0.3);

        await ok('POST', '/ollama/api/generate', o(), { model: 'support-bot', prompt: 'hi', stream: false });
        const gen = ollama.requests.find((x) => x.path === '/api/generate')!.body as Json;
        expect(gen).toMatchObject({ model: 'fake-llama:latest', system: `You are the support bot. You talk to ${outsider.name}.` });

        await ok('POST', '/ollama/v1/chat/completions', o(), { model: 'fake-llama:latest', messages: msgs });
        expect(await call('POST', '/ollama/api/chat', admin, { model: 'secret:latest', messages: msgs, stream: false })).toMatchObject({ status: 200 });
      });

      it('/openai/chat/completions: 403 for the outsider, allowed for the member', async () => {
        const body = { model: 'fake-qwen', messages: [{ role: 'user', content: 'hi' }] };
        expect(await call('POST', '/openai/chat/completions', o(), body)).toEqual({ status: 403, body: expect.objectContaining({ detail: 'Model not found' }) });
        expect(up.requests.filter((r) => r.path.includes('chat'))).toHaveLength(0);
        expect((await call('POST', '/openai/chat/completions', mem(), body)).status).toBe(200);
      });

      it('model lists of /ollama and /openai are filtered the same way', async () => {
        expect(((await ok('GET', '/ollama/api/tags', o())).models as Json[]).map((m) => m.model)).toEqual(['fake-llama:latest']);
        expect(((await ok('GET', '/ollama/api/tags/0', o())).models as Json[]).map((m) => m.model)).toEqual(['fake-llama:latest']);
        expect(((await ok('GET', '/ollama/v1/models', o())).data as Json[]).map((m) => m.id)).toEqual(['fake-llama:latest']);
        expect(((await ok('GET', '/openai/models', o())).data as Json[]).map((m) => m.id)).toEqual([]);
        expect(((await ok('GET', '/openai/models', mem())).data as Json[]).map((m) => m.id)).toEqual(['fake-qwen']);
        expect(((await ok('GET', '/openai/models/0', o())).data as Json[]).map((m) => m.id)).toEqual([]);
        expect(((await ok('GET', '/openai/models/0', mem())).data as Json[]).map((m) => m.id)).toEqual(['fake-qwen']);
        expect(((await ok('GET', '/ollama/api/tags', admin)).models as Json[]).map((m) => m.model).sort()).toEqual(OLLAMA_MODELS);
      });
    });
  }

  it('socket mode (background task) refuses a forbidden model at once and accepts a preset', async () => {
    const chatRow = await ok('POST', '/api/v1/chats/new', outsider.token, { chat: { title: 'bg' } });
    const bg = (model: string) => chat(outsider.token, model, { chat_id: chatRow.id, id: 'm1', session_id: 'sess-1', stream: true });
    expect(await bg('fake-qwen')).toEqual({ status: 400, body: expect.objectContaining({ detail: 'Model not found' }) });
    const started = await bg('support-bot');
    expect(started).toMatchObject({ status: 200, body: { status: true, task_id: expect.any(String) } });
    await expect.poll(() => ollama.requests.find((r) => r.path === '/api/chat')?.body as Json | undefined).toMatchObject({ model: 'fake-llama:latest' });
  });

  it('/api/embeddings applies the rule; internal callers may bypass it (bypassAccess)', async () => {
    expect(await call('POST', '/api/embeddings', outsider.token, { model: 'secret:latest', input: 'x' })).toMatchObject({ status: 400, body: { detail: 'Model not found' } });
    const r = await CompletionsService.for(s.ctx).embeddings({ model: 'secret:latest', input: 'x' }, outsider.user, { bypassAccess: true });
    expect(r.status).toBe(200);
  });

  it('a deactivated record hides the model from everyone and refuses its use', async () => {
    await ok('POST', '/api/v1/models/model/toggle?id=support-bot', admin);
    expect(await ids(outsider.token)).toEqual(['fake-llama:latest']);
    expect((await chat(outsider.token, 'support-bot')).status).toBe(400);
    await ok('POST', '/api/v1/models/model/toggle?id=support-bot', admin);
    expect(await ids(outsider.token)).toContain('support-bot');
  });

  it('a model shared with the outsider by user id becomes visible to them', async () => {
    const rec = await ok('GET', '/api/v1/models/model?id=fake-qwen', admin);
    const form = { ...rec, access_control: { read: { group_ids: [researchId], user_ids: [s.ctx && (await ok('GET', '/api/v1/auths/', outsider.token)).id] } } };
    await ok('POST', '/api/v1/models/model/update?id=fake-qwen', admin, form);
    expect(await ids(outsider.token)).toContain('fake-qwen');
    await ok('POST', '/api/v1/models/model/update?id=fake-qwen', admin, rec);
    expect(await ids(outsider.token)).not.toContain('fake-qwen');
  });
});

describe('BYPASS_MODEL_ACCESS_CONTROL=true', () => {
  it('restores "every verified user sees and uses every model"', async () => {
    const ollama = await startFakeOllama({ models: OLLAMA_MODELS });
    const s = await startTestServer({ OLLAMA_BASE_URL: ollama.url, ENABLE_OPENAI_API: 'false', BYPASS_MODEL_ACCESS_CONTROL: 'true' });
    try {
      const { token } = await createUser(s.ctx, { role: 'user' });
      const list = (await (await s.request('GET', '/api/models', { token })).json()).data.map((m: Json) => m.id);
      expect(list.sort()).toEqual(OLLAMA_MODELS);
      const res = await s.request('POST', '/ollama/api/chat', { token, body: { model: 'secret:latest', messages: [{ role: 'user', content: 'hi' }], stream: false } });
      expect(res.status).toBe(200);
    } finally {
      await s.close();
      await ollama.close();
    }
  });
});

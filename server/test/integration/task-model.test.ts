import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { createUser } from '../factories/users.js';
import { joinedSocket } from '../helpers/sockets.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const TASK_REPLIES = [
  { prompt: /concise title|short title/i, reply: 'Sure! {"title": "🚀 **Rocket** Science Basics"}' },
  { prompt: /category tags/i, reply: '```json\n{"tags": ["Science", "Physics"]}\n```' },
  { prompt: /questions the user could ask next/i, reply: '{"follow_ups": ["How do rockets steer?", "What fuel do they use?"]}' },
];

describe('task model: /api/v1/tasks/* and background tasks after a reply', () => {
  let s: TestServer;
  let ollama: FakeOllama;
  let user: { token: string; user: { id: string } };
  let admin: { token: string; user: { id: string } };
  const call = async (method: string, p: string, token: string, body?: unknown) => {
    const res = await s.request(method, p, { token, body });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    ollama = await startFakeOllama({ models: ['llama3:latest', 'tiny:latest'], reply: 'Rockets push gas backwards.', replyWhen: TASK_REPLIES });
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', OLLAMA_BASE_URL: ollama.url, ENABLE_OPENAI_API: 'false', TASK_MODEL: 'tiny:latest' });
    admin = await createUser(s.ctx, { role: 'admin' });
    user = await createUser(s.ctx);
  });
  afterAll(async () => {
    await s?.close();
    await ollama?.close();
  });

  it('config has the original keys and defaults; only an admin changes it', async () => {
    const cfg = await call('GET', '/api/v1/tasks/config', user.token);
    expect(cfg.body).toMatchObject({ TASK_MODEL: 'tiny:latest', TASK_MODEL_EXTERNAL: '', ENABLE_TITLE_GENERATION: true, ENABLE_TAGS_GENERATION: true, ENABLE_FOLLOW_UP_GENERATION: true, TITLE_GENERATION_PROMPT_TEMPLATE: '' });
    expect((await call('POST', '/api/v1/tasks/config/update', user.token, { ...cfg.body })).status).toBe(401);
    const up = await call('POST', '/api/v1/tasks/config/update', admin.token, { ...cfg.body, ENABLE_TAGS_GENERATION: false });
    expect(up.body.ENABLE_TAGS_GENERATION).toBe(false);
    expect(await call('POST', '/api/v1/tasks/tags/completions', user.token, { model: 'llama3:latest', messages: [] })).toEqual({ status: 200, body: { detail: 'Tags generation is disabled' } });
    await call('POST', '/api/v1/tasks/config/update', admin.token, { ...cfg.body, ENABLE_TAGS_GENERATION: true });
  });

  it('title / tags / follow-up completions go to TASK_MODEL with the rendered template', async () => {
    ollama.reset();
    const messages = [{ role: 'user', content: 'How do rockets work?' }, { role: 'assistant', content: 'Rockets push gas backwards.' }];
    const title = await call('POST', '/api/v1/tasks/title/completions', user.token, { model: 'llama3:latest', messages });
    expect(title.status).toBe(200);
    expect(title.body.choices[0].message.content).toContain('"title"');
    const sent = ollama.requests.find((r) => r.path === '/api/chat')!.body as any;
    expect(sent.model).toBe('tiny:latest');
    expect(sent.messages[0].content).toContain('USER: How do rockets work?\nASSISTANT: Rockets push gas backwards.');
    expect((await call('POST', '/api/v1/tasks/follow_ups/completions', user.token, { model: 'llama3:latest', messages })).body.choices[0].message.content).toContain('follow_ups');
    expect((await call('POST', '/api/v1/tasks/title/completions', user.token, { model: 'nope', messages })).status).toBe(404);
    expect((await call('POST', '/api/v1/tasks/title/completions', user.token, { messages })).status).toBe(422);

    await call('POST', '/api/v1/tasks/config/update', admin.token, { TITLE_GENERATION_PROMPT_TEMPLATE: 'Name it: {{MESSAGES:START:1}} for {{USER_NAME}}' });
    ollama.reset();
    await call('POST', '/api/v1/tasks/title/completions', user.token, { model: 'llama3:latest', messages });
    expect((ollama.requests.find((r) => r.path === '/api/chat')!.body as any).messages[0].content).toMatch(/^Name it: USER: How do rockets work\? for User \d+$/);
    await call('POST', '/api/v1/tasks/config/update', admin.token, { TITLE_GENERATION_PROMPT_TEMPLATE: '' });
  });

  it('a socket reply with background_tasks gets follow-ups, a clean title and tags, delivered as events and saved', async () => {
    const so = await joinedSocket(s.url, user.token);
    try {
      const events: any[] = [];
      so.on('events', (e) => events.push(e));
      const chat = await call('POST', '/api/v1/chats/new', user.token, {
        chat: { title: 'New Chat', models: ['llama3:latest'], history: { currentId: 'u1', messages: { u1: { id: 'u1', parentId: null, childrenIds: [], role: 'user', content: 'How do **rockets** work?' } } } },
      });
      const res = await call('POST', '/api/chat/completions', user.token, {
        model: 'llama3:latest',
        messages: [{ role: 'user', content: 'How do **rockets** work?' }],
        stream: true,
        chat_id: chat.body.id,
        id: 'a1',
        parent_id: 'u1',
        session_id: so.id,
        background_tasks: { title_generation: true, tags_generation: true, follow_up_generation: true },
      });
      expect(res.body.status).toBe(true);
      await expect.poll(() => events.some((e) => e.data.type === 'chat:active' && e.data.data.active === false), { timeout: 10_000 }).toBe(true);
      const types = events.map((e) => e.data.type);
      expect(types.indexOf('chat:message:follow_ups')).toBeGreaterThan(types.lastIndexOf('chat:completion'));
      expect(events.find((e) => e.data.type === 'chat:message:follow_ups').data.data).toEqual({ follow_ups: ['How do rockets steer?', 'What fuel do they use?'] });
      expect(events.find((e) => e.data.type === 'chat:title').data.data).toBe('🚀 Rocket Science Basics');
      expect(events.find((e) => e.data.type === 'chat:tags').data.data).toEqual(['Science', 'Physics']);

      const stored = await call('GET', `/api/v1/chats/${chat.body.id}`, user.token);
      expect(stored.body.title).toBe('🚀 Rocket Science Basics');
      expect(stored.body.chat.history.messages.a1).toMatchObject({ content: 'Rockets push gas backwards.', followUps: ['How do rockets steer?', 'What fuel do they use?'] });
      expect((await call('GET', `/api/v1/chats/${chat.body.id}/tags`, user.token)).body.map((t: any) => t.name)).toEqual(['Science', 'Physics']);
    } finally {
      so.close();
    }
  });

  it('merge responses (/api/v1/tasks/moa/completions) streams one answer from several', async () => {
    ollama.reset();
    const res = await s.request('POST', '/api/v1/tasks/moa/completions', { token: user.token, body: { model: 'llama3:latest', prompt: 'Why is the sky blue?', responses: ['Rayleigh scattering.', 'Because of air.'], stream: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text).toContain('data: ');
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    const sent = (ollama.requests.find((r) => r.path === '/api/chat')!.body as any).messages[0].content as string;
    expect(sent).toContain('"Why is the sky blue?"');
    expect(sent).toContain('"""Rayleigh scattering."""\n\n"""Because of air."""');
    expect((await call('POST', '/api/v1/tasks/moa/completions', user.token, { model: 'nope', prompt: 'x', responses: ['a'] })).status).toBe(404);
    expect((await call('POST', '/api/v1/tasks/moa/completions', user.token, { model: 'llama3:latest', prompt: 'x', responses: [] })).status).toBe(422);
  });

  it('features.memory puts the closest memories into the system message as User Context', async () => {
    await call('POST', '/api/v1/memories/add', user.token, { content: 'I live in Berlin' });
    await call('POST', '/api/v1/memories/add', user.token, { content: 'I like TypeScript' });
    ollama.reset();
    const res = await call('POST', '/api/chat/completions', user.token, { model: 'llama3:latest', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Berlin?' }], features: { memory: true } });
    expect(res.status).toBe(200);
    const sent = ollama.requests.find((r) => r.path === '/api/chat')!.body as any;
    expect(sent.messages[0].role).toBe('system');
    expect(sent.messages[0].content).toMatch(/^Be brief\.\nUser Context:\n1\. \[\d{4}-\d\d-\d\d\] I live in Berlin\n/);
    expect(sent.features).toBeUndefined();
    ollama.reset();
    await call('POST', '/api/chat/completions', user.token, { model: 'llama3:latest', messages: [{ role: 'user', content: 'Weather in Berlin?' }] });
    expect(JSON.stringify(ollama.requests.find((r) => r.path === '/api/chat')!.body)).not.toContain('User Context');
  });

  it('with title generation off, the title is the first question without its markdown', async () => {
    await call('POST', '/api/v1/tasks/config/update', admin.token, { ENABLE_TITLE_GENERATION: false });
    const so = await joinedSocket(s.url, user.token);
    try {
      const events: any[] = [];
      so.on('events', (e) => events.push(e));
      const chat = await call('POST', '/api/v1/chats/new', user.token, { chat: { title: 'New Chat', history: { currentId: 'u1', messages: { u1: { id: 'u1', parentId: null, childrenIds: [], role: 'user', content: '# Explain `git rebase` **simply**' } } } } });
      await call('POST', '/api/chat/completions', user.token, { model: 'llama3:latest', messages: [{ role: 'user', content: 'x' }], chat_id: chat.body.id, id: 'a1', parent_id: 'u1', session_id: so.id, background_tasks: { title_generation: true } });
      await expect.poll(() => events.find((e) => e.data.type === 'chat:title')?.data.data, { timeout: 10_000 }).toBe('Explain git rebase simply');
    } finally {
      so.close();
    }
  });
});

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// The official OpenAI SDK, unchanged, pointed at our server: what any OpenAI client does.
describe('official openai SDK against /openai and /api', () => {
  let s: TestServer;
  let ollama: FakeOllama;
  let openai: FakeOpenAI;
  let userToken: string;
  let apiKey: string;

  beforeAll(async () => {
    ollama = await startFakeOllama({ models: ['llama3.2:latest', 'nomic-embed-text:latest'], reply: 'Hi from Ollama' });
    openai = await startFakeOpenAI({ apiKey: 'sk-upstream-secret', models: ['gpt-4o-mini', 'text-embedding-3-small'] });
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true',
      OLLAMA_BASE_URL: ollama.url,
      OPENAI_API_BASE_URL: openai.url,
      OPENAI_API_KEY: 'sk-upstream-secret',
      ENABLE_API_KEYS: 'true',
    });
    userToken = (await createUser(s.ctx, { role: 'user' })).token;
    const admin = await createUser(s.ctx, { role: 'admin' });
    apiKey = 'sk-' + 'a'.repeat(32);
    await s.ctx.db.kysely.updateTable('user').set({ api_key: apiKey }).where('id', '=', admin.user.id).execute();
  });
  afterAll(async () => {
    await s.close();
    await ollama.close();
    await openai.close();
  });

  const clients = () => [
    { name: '/openai with a user token', client: new OpenAI({ baseURL: `${s.url}/openai`, apiKey: userToken }), ollama: false },
    { name: '/api with a user token', client: new OpenAI({ baseURL: `${s.url}/api`, apiKey: userToken }), ollama: true },
    { name: '/api with an sk- API key', client: new OpenAI({ baseURL: `${s.url}/api`, apiKey }), ollama: true },
    { name: '/api/v1 with a user token', client: new OpenAI({ baseURL: `${s.url}/api/v1`, apiKey: userToken }), ollama: true },
  ];

  it('models.list', async () => {
    for (const { name, client, ollama: withOllama } of clients()) {
      const ids: string[] = [];
      for await (const m of client.models.list()) ids.push(m.id);
      expect(ids, name).toEqual(expect.arrayContaining(['gpt-4o-mini', 'text-embedding-3-small']));
      if (withOllama) expect(ids, name).toEqual(expect.arrayContaining(['llama3.2:latest', 'nomic-embed-text:latest']));
    }
  });

  it('chat.completions.create without streaming', async () => {
    for (const { name, client, ollama: withOllama } of clients()) {
      const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
      expect(r.choices[0]!.message.content, name).toBe('Hello from the fake OpenAI server.');
      expect(r.usage?.total_tokens, name).toBeGreaterThan(0);
      if (withOllama) {
        const o = await client.chat.completions.create({ model: 'llama3.2:latest', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 20 });
        expect(o.object).toBe('chat.completion');
        expect(o.choices[0]!.message.content, name).toBe('Hi from Ollama');
        expect(o.usage!.completion_tokens, name).toBeGreaterThan(0);
      }
    }
    // The upstream saw its own key, never the caller's token.
    const auth = openai.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.headers.authorization);
    expect(new Set(auth)).toEqual(new Set(['Bearer sk-upstream-secret']));
  });

  it('chat.completions.create with stream and stream_options.include_usage', async () => {
    for (const { name, client, ollama: withOllama } of clients()) {
      const models = withOllama ? ['gpt-4o-mini', 'llama3.2:latest'] : ['gpt-4o-mini'];
      for (const model of models) {
        const stream = await client.chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'Hello' }],
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        let usage: OpenAI.CompletionUsage | null | undefined;
        let chunks = 0;
        for await (const chunk of stream) {
          chunks += 1;
          text += chunk.choices[0]?.delta?.content ?? '';
          if (chunk.usage) usage = chunk.usage;
        }
        expect(chunks, `${name} ${model}`).toBeGreaterThan(2);
        expect(text, `${name} ${model}`).toBe(model === 'gpt-4o-mini' ? 'Hello from the fake OpenAI server.' : 'Hi from Ollama');
        expect(usage?.total_tokens, `${name} ${model}`).toBeGreaterThan(0);
      }
    }
  });

  it('embeddings.create (SDK default base64 encoding and explicit float)', async () => {
    for (const { name, client, ollama: withOllama } of clients()) {
      const models = withOllama ? ['text-embedding-3-small', 'nomic-embed-text:latest'] : ['text-embedding-3-small'];
      for (const model of models) {
        const r = await client.embeddings.create({ model, input: ['first text', 'second'] });
        expect(r.data, `${name} ${model}`).toHaveLength(2);
        expect(r.data[0]!.embedding.length, `${name} ${model}`).toBeGreaterThan(0);
        expect(r.data[0]!.embedding.every((x) => Number.isFinite(x)), `${name} ${model}`).toBe(true);
        const f = await client.embeddings.create({ model, input: 'first text', encoding_format: 'float' });
        expect(f.data[0]!.embedding.length).toBe(r.data[0]!.embedding.length);
        f.data[0]!.embedding.forEach((x, i) => expect(x).toBeCloseTo(r.data[0]!.embedding[i]!, 5));
      }
    }
  });

  it('carries tools and tool calls both ways (OpenAI passthrough, Ollama translated request)', async () => {
    const client = new OpenAI({ baseURL: `${s.url}/api`, apiKey: userToken });
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ];
    openai.toolCalls = [{ id: 'call_9', name: 'get_weather', arguments: '{"city":"Paris"}' }];
    try {
      const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather?' }], tools });
      expect(r.choices[0]!.finish_reason).toBe('tool_calls');
      expect(r.choices[0]!.message.tool_calls?.[0]).toMatchObject({ id: 'call_9', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
      const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather?' }], tools });
      const final = await stream.finalChatCompletion();
      expect(final.choices[0]!.message.tool_calls?.[0]?.function.name).toBe('get_weather');
    } finally {
      openai.toolCalls = null;
    }
    await client.chat.completions.create({
      model: 'llama3.2:latest',
      tools,
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_9', content: '21C' },
      ],
    });
    const sent = ollama.requests.filter((r) => r.path === '/api/chat').at(-1)!.body as Record<string, unknown>;
    expect(sent.tools).toEqual(tools);
    expect(sent.messages).toEqual([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: '', tool_calls: [{ index: 0, id: 'call_9', function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: '21C', tool_call_id: 'call_9' },
    ]);
  });

  it('raises the SDK error classes with the real message', async () => {
    const client = new OpenAI({ baseURL: `${s.url}/api`, apiKey: userToken, maxRetries: 0 });
    const err = await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain('Model not found');
    const bad = new OpenAI({ baseURL: `${s.url}/openai`, apiKey: 'not-a-token', maxRetries: 0 });
    await expect(bad.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    openai.failNext = { status: 429, message: 'Rate limit reached for gpt-4o-mini', type: 'requests', code: 'rate_limit_exceeded' };
    const limited = await new OpenAI({ baseURL: `${s.url}/openai`, apiKey: userToken, maxRetries: 0 }).chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as Error).message).toContain('Rate limit reached for gpt-4o-mini');
  });

  it('relays error.message on the /openai/* pass-through routes too', async () => {
    openai.failNext = { status: 503, message: 'The engine is currently overloaded', type: 'server_error' };
    const err = await new OpenAI({ baseURL: `${s.url}/openai`, apiKey: userToken, maxRetries: 0 }).completions
      .create({ model: 'gpt-4o-mini', prompt: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as Error).message).toContain('The engine is currently overloaded');
  });
});

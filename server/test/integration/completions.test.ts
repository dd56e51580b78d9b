import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UserModel } from '@owui/contracts';
import { CompletionsService } from '../../src/modules/completions/completions.service.js';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Json = Record<string, any>;

function sseEvents(text: string): string[] {
  return text
    .split('\n\n')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => e.replace(/^data: /, ''));
}

describe('/api/chat/completions and /api/embeddings', () => {
  let s: TestServer;
  let ollama: FakeOllama;
  let up: FakeOpenAI;
  let token: string;
  let user: UserModel;

  beforeAll(async () => {
    ollama = await startFakeOllama({ models: ['llama3.2:latest', 'llava:latest', 'nomic-embed-text:latest'], reply: 'Hello from Ollama' });
    up = await startFakeOpenAI({ apiKey: 'sk-up' });
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', OLLAMA_BASE_URL: ollama.url, OPENAI_API_BASE_URL: up.url, OPENAI_API_KEY: 'sk-up' });
    ({ token, user } = await createUser(s.ctx, { role: 'user' }));
  });
  afterAll(async () => {
    await s.close();
    await ollama.close();
    await up.close();
  });
  beforeEach(() => {
    ollama.reset();
    ollama.script({ models: ['llama3.2:latest', 'llava:latest', 'nomic-embed-text:latest'], reply: 'Hello from Ollama' });
    up.requests.length = 0;
  });

  const post = (body: unknown, path = '/api/chat/completions') => s.request('POST', path, { token, body });
  const lastOllamaChat = () => ollama.requests.filter((r) => r.path === '/api/chat').at(-1)!.body as Json;

  it('translates a non-streamed Ollama chat both ways and strips Open WebUI fields', async () => {
    const res = await post({
      model: 'llama3.2:latest',
      messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0.3,
      max_tokens: 50,
      stop: ['END'],
      chat_id: 'local:abc',
      id: 'msg-1',
      // (no session_id: with all three of chat_id, id, session_id the reply goes over the socket instead)
      files: [],
      features: {},
      tool_ids: [],
      variables: { '{{USER_NAME}}': 'x' },
      background_tasks: { title_generation: false },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello from Ollama' } }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    const sent = lastOllamaChat();
    expect(sent).toEqual({
      model: 'llama3.2:latest',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: false,
      options: { temperature: 0.3, num_predict: 50, stop: ['END'] },
    });
  });

  it('streams an Ollama chat as chat.completion.chunk SSE ending in [DONE]', async () => {
    const res = await post({ model: 'llama3.2:latest', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Json);
    expect(chunks[0]!.choices[0].delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Hello from Ollama');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const last = chunks.at(-1)!;
    expect(last.choices[0].finish_reason).toBe('stop');
    expect(last.usage.total_tokens).toBe(last.usage.prompt_tokens + last.usage.completion_tokens);
  });

  it('applies UI params and sends images to Ollama', async () => {
    await post({
      model: 'llava:latest',
      params: { temperature: 0.9, system: 'You are terse.', max_tokens: 7, stream_delta_chunk_size: 3, function_calling: 'native' },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ],
    });
    expect(lastOllamaChat()).toEqual({
      model: 'llava:latest',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Describe', images: ['AAAA'] },
      ],
      stream: false,
      options: { temperature: 0.9, num_predict: 7 },
    });
  });

  it('routes OpenAI models to their connection with the upstream key, fields stripped, SSE passed through', async () => {
    const res = await post({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }], chat_id: 'c', id: 'm', params: { temperature: 0.5 } });
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const rec = up.requests.at(-1)!;
    expect(rec.headers.authorization).toBe('Bearer sk-up');
    expect(rec.body).toEqual({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }], temperature: 0.5 });
    expect(ollama.requests.some((r) => r.path === '/api/chat')).toBe(false);
  });

  it('relays a non-streamed OpenAI reply as the upstream sent it', async () => {
    up.reply = 'Grüße, “quoted” and \\ escaped';
    try {
      const res = await post({ model: 'gpt-4o-mini', stream: false, messages: [{ role: 'user', content: 'Hi' }], chat_id: 'c' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { object: string; choices: { message: { content: string } }[] };
      expect(body.object).toBe('chat.completion');
      expect(body.choices[0]!.message.content).toBe('Grüße, “quoted” and \\ escaped');
    } finally {
      up.reply = 'Hello from the fake OpenAI server.';
    }
  });

  it('resolves a bare Ollama name to its :latest tag, like ollama itself', async () => {
    const res = await post({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }] });
    expect(res.status).toBe(200);
    expect((await res.json()).choices[0].message.content).toBe('Hello from Ollama');
    expect(lastOllamaChat().model).toBe('llama3.2:latest');
    // A tag that does not exist is not guessed at.
    expect((await post({ model: 'llama3.2:8b', messages: [{ role: 'user', content: 'Hi' }] })).status).toBe(400);
  });

  it('rejects an unknown model with 400 "Model not found" and sends nothing upstream', async () => {
    const res = await post({ model: 'ghost', messages: [{ role: 'user', content: 'x' }], stream: true });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ detail: 'Model not found' });
    expect(ollama.requests.some((r) => r.path === '/api/chat')).toBe(false);
    expect(up.requests.some((r) => r.path.includes('chat'))).toBe(false);
  });

  it('routes from the last known model list without a list round per chat, even past MODELS_CACHE_TTL', async () => {
    await post({ model: 'llama3.2:latest', messages: [{ role: 'user', content: 'x' }] });
    await new Promise((r) => setTimeout(r, 1100)); // default TTL is 1 s
    const lists = () => ollama.requests.filter((r) => r.path === '/api/tags').length + up.requests.filter((r) => r.path === '/v1/models').length;
    const before = lists();
    await post({ model: 'llama3.2:latest', messages: [{ role: 'user', content: 'x' }] });
    await post({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    expect(lists()).toBe(before);
  });

  it('validates the body (422) and refuses anonymous callers', async () => {
    expect((await post({ model: 'llama3.2:latest' })).status).toBe(422);
    expect((await s.request('POST', '/api/chat/completions', { body: { model: 'x', messages: [] } })).status).toBe(401);
  });

  it('keeps the status and message of an Ollama error', async () => {
    ollama.script({ error: { status: 500, message: 'llama runner process has terminated', path: /^\/api\/chat$/ } });
    const res = await post({ model: 'llama3.2:latest', messages: [{ role: 'user', content: 'x' }], stream: true });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ detail: 'llama runner process has terminated', error: { message: 'llama runner process has terminated' } });
  });

  it('ends a broken Ollama stream with an error event', async () => {
    ollama.script({ reply: 'one two three four five six', breakAfter: { chunks: 2, path: /^\/api\/chat$/ } });
    const res = await post({ model: 'llama3.2:latest', messages: [{ role: 'user', content: 'x' }], stream: true });
    const events = sseEvents(await res.text());
    expect(JSON.parse(events.at(-1)!).error.message).toMatch(/Stream interrupted/);
  });

  /** Starts a streamed completion of `model`, reads its first bytes, then hangs up. */
  const readFirstThenLeave = async (model: string) => {
    const controller = new AbortController();
    const res = await fetch(`${s.url}/api/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }], stream: true }),
      signal: controller.signal,
    });
    await res.body!.getReader().read();
    controller.abort();
  };

  it('aborts the Ollama generation when the client disconnects', async () => {
    ollama.script({ reply: Array.from({ length: 300 }, (_, i) => `t${i}`).join(' '), tokenDelayMs: 20 });
    await readFirstThenLeave('llama3.2:latest');
    const aborted = await ollama.waitForAbort(3000);
    expect(aborted.path).toBe('/api/chat');
  });

  it('stops an OpenAI stream (relayed as it comes) when the client disconnects, and serves the next request', async () => {
    up.reply = Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ');
    up.chunkDelayMs = 20;
    try {
      const before = up.abortedStreams;
      await readFirstThenLeave('gpt-4o-mini');
      for (const t0 = Date.now(); up.abortedStreams === before && Date.now() - t0 < 3000; ) await new Promise((r) => setTimeout(r, 20));
      expect(up.abortedStreams).toBe(before + 1);
    } finally {
      up.reply = 'Hello from the fake OpenAI server.';
      up.chunkDelayMs = 0;
    }
    const next = await post({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] });
    expect(next.status).toBe(200);
  });

  it('applies backpressure to a translated stream: a client that stops reading stops Ollama, and every token arrives', async () => {
    const word = 'y'.repeat(1000) + ' ';
    ollama.script({ reply: word.repeat(40_000) });
    const res = await fetch(`${s.url}/api/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2:latest', messages: [{ role: 'user', content: 'flood' }], stream: true }),
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value, { stream: true });
    const rec = ollama.requests.find((r) => r.path === '/api/chat')!;
    // Wait until Ollama stalls (its sends stop growing): the socket buffers are full.
    let last = -1;
    while (rec.bytesSent !== last) {
      last = rec.bytesSent;
      await new Promise((r) => setTimeout(r, 300));
    }
    // ~45 MB of NDJSON were offered; only what fits in socket buffers may have left Ollama.
    expect(rec.finished).toBe(false);
    expect(rec.bytesSent).toBeLessThan(20_000_000);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const events = sseEvents(text);
    expect(events.at(-1)).toBe('[DONE]');
    const content = events.slice(0, -1).map((e) => (JSON.parse(e).choices[0].delta.content as string | undefined) ?? '').join('');
    expect(content.length).toBe(word.length * 40_000);
    expect(content === word.repeat(40_000)).toBe(true);
    expect(rec.finished).toBe(true);
  });

  it('returns OpenAI-shaped embeddings from Ollama and from OpenAI connections', async () => {
    const o = await (await post({ model: 'nomic-embed-text:latest', input: ['a', 'b'] }, '/api/embeddings')).json();
    expect(o).toMatchObject({ object: 'list', model: 'nomic-embed-text:latest' });
    expect(o.data.map((d: Json) => d.index)).toEqual([0, 1]);
    expect(ollama.requests.at(-1)!.body).toMatchObject({ model: 'nomic-embed-text:latest', input: ['a', 'b'] });
    const p = await (await post({ model: 'text-embedding-3-small', input: 'a' }, '/api/v1/embeddings')).json();
    expect(p.data[0].embedding).toHaveLength(4);
    expect((await post({ model: 'ghost', input: 'a' }, '/api/embeddings')).status).toBe(400);
  });

  it('offers chunk objects to background consumers (the socket mode) for both kinds of model', async () => {
    const svc = CompletionsService.for(s.ctx);
    for (const [model, expected] of [
      ['llama3.2:latest', 'Hello from Ollama'],
      ['gpt-4o-mini', 'Hello from the fake OpenAI server.'],
    ] as const) {
      let text = '';
      for await (const chunk of svc.chunks({ model, messages: [{ role: 'user', content: 'x' }], chat_id: 'c1', id: 'm1', session_id: 's1' }, user)) {
        expect(chunk.object).toBe('chat.completion.chunk');
        text += ((chunk.choices as Json[])[0]?.delta?.content as string | undefined) ?? '';
      }
      expect(text).toBe(expected);
    }
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** Reads an NDJSON response body into parsed lines. */
async function ndjson(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('/ollama proxy over two fake Ollama servers', () => {
  let a: FakeOllama;
  let b: FakeOllama;
  let s: TestServer;
  let admin: string;
  let user: string;

  beforeAll(async () => {
    a = await startFakeOllama();
    b = await startFakeOllama();
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true',
      OLLAMA_BASE_URLS: `${a.url};${b.url}`,
      // Silence limit 1 s; the whole-response limit (AIOHTTP_CLIENT_TIMEOUT) must outlast the slow streams here.
      AIOHTTP_CLIENT_TIMEOUT: '60',
      UPSTREAM_IDLE_TIMEOUT: '1',
      AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST: '1',
      MODELS_CACHE_TTL: '0.001',
    });
    admin = (await createUser(s.ctx, { role: 'admin' })).token;
    user = (await createUser(s.ctx, { role: 'user' })).token;
  });
  afterAll(async () => {
    await s.close();
    await a.close();
    await b.close();
  });
  beforeEach(async () => {
    a.reset();
    b.reset();
    a.script({ models: ['llama3:latest', 'shared:latest'] });
    b.script({ models: ['qwen2:7b', 'shared:latest'] });
    await s.ctx.settings.set({ ENABLE_OLLAMA_API: true, OLLAMA_BASE_URLS: [a.url, b.url], OLLAMA_API_CONFIGS: {} });
  });

  it('merges the model lists by name with the indexes of the servers holding each', async () => {
    const res = await s.request('GET', '/ollama/api/tags', { token: user });
    expect(res.status).toBe(200);
    const { models } = (await res.json()) as { models: { model: string; urls: number[]; connection_type: string; details: unknown }[] };
    const byName = Object.fromEntries(models.map((m) => [m.model, m]));
    expect(Object.keys(byName).sort()).toEqual(['llama3:latest', 'qwen2:7b', 'shared:latest']);
    expect(byName['shared:latest']!.urls).toEqual([0, 1]);
    expect(byName['qwen2:7b']!.urls).toEqual([1]);
    expect(byName['llama3:latest']!.connection_type).toBe('local');
    expect(byName['llama3:latest']!.details).toMatchObject({ format: 'gguf' });
  });

  it('routes by model, appends :latest, and honours /{url_idx}', async () => {
    const res = await s.request('POST', '/ollama/api/chat', { token: user, body: { model: 'qwen2:7b', messages: [{ role: 'user', content: 'hi' }], stream: false } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { message: { content: string } }).message.content).toBe('Hello from the fake Ollama.');
    expect(b.requests.filter((r) => r.path === '/api/chat')).toHaveLength(1);
    expect(a.requests.filter((r) => r.path === '/api/chat')).toHaveLength(0);

    const gen = await s.request('POST', '/ollama/api/generate', { token: user, body: { model: 'llama3', prompt: 'x', stream: false } });
    expect(gen.status).toBe(200);
    expect((a.requests.find((r) => r.path === '/api/generate')!.body as { model: string }).model).toBe('llama3:latest');

    const tags1 = (await (await s.request('GET', '/ollama/api/tags/1', { token: user })).json()) as { models: { name: string }[] };
    expect(tags1.models.map((m) => m.name)).toEqual(['qwen2:7b', 'shared:latest']);
    // Pinned to server 0 even though the model lives on both.
    await s.request('POST', '/ollama/api/embed/0', { token: user, body: { model: 'shared', input: 'x' } });
    expect(a.requests.some((r) => r.path === '/api/embed')).toBe(true);
    expect(b.requests.some((r) => r.path === '/api/embed')).toBe(false);
  });

  it('spreads a model held by two servers across both', async () => {
    for (let i = 0; i < 24; i++) {
      const res = await s.request('POST', '/ollama/api/embeddings', { token: user, body: { model: 'shared:latest', prompt: 'p' } });
      expect(res.status).toBe(200);
    }
    expect(a.requests.filter((r) => r.path === '/api/embeddings').length).toBeGreaterThan(0);
    expect(b.requests.filter((r) => r.path === '/api/embeddings').length).toBeGreaterThan(0);
  });

  it('adds prefix_id on the way out and strips it on the way in; model_ids filter; disabled connections', async () => {
    await s.ctx.settings.set({ OLLAMA_API_CONFIGS: { '1': { prefix_id: 'remote', tags: [{ name: 'gpu' }] }, '0': { model_ids: ['llama3:latest'] } } });
    const { models } = (await (await s.request('GET', '/ollama/api/tags', { token: user })).json()) as { models: { model: string; name: string; urls: number[]; tags?: unknown }[] };
    expect(models.map((m) => m.model).sort()).toEqual(['llama3:latest', 'remote.qwen2:7b', 'remote.shared:latest']);
    expect(models.find((m) => m.model === 'remote.qwen2:7b')).toMatchObject({ name: 'remote.qwen2:7b', urls: [1], tags: [{ name: 'gpu' }] });

    const res = await s.request('POST', '/ollama/api/chat', { token: user, body: { model: 'remote.shared', messages: [{ role: 'user', content: 'hi' }], stream: false } });
    expect(res.status).toBe(200);
    expect((b.requests.find((r) => r.path === '/api/chat')!.body as { model: string }).model).toBe('shared:latest');

    await s.ctx.settings.set({ OLLAMA_API_CONFIGS: { '1': { enable: false } } });
    const after = (await (await s.request('GET', '/ollama/api/tags', { token: user })).json()) as { models: { model: string }[] };
    expect(after.models.map((m) => m.model).sort()).toEqual(['llama3:latest', 'shared:latest']);
  });

  it('streams chat as NDJSON chunk by chunk and the pieces assemble to the exact reply', async () => {
    const reply = 'The quick brown fox jumps over the lazy dog. Ünïcödé ✓ 🦊';
    a.script({ reply, tokenDelayMs: 5 });
    const res = await s.request('POST', '/ollama/api/chat', { token: user, body: { model: 'llama3', messages: [{ role: 'user', content: 'go' }] } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = await ndjson(res);
    expect(lines.length).toBeGreaterThan(5);
    const text = lines.map((l) => (l.message as { content: string }).content).join('');
    expect(text).toBe(reply);
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ done: true, done_reason: 'stop', eval_count: reply.match(/\S+\s*/g)!.length });
  });

  it('aborts the upstream request as soon as the client disconnects', async () => {
    a.script({ reply: Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '), tokenDelayMs: 50 });
    const ac = new AbortController();
    const res = await fetch(`${s.url}/ollama/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3:latest', prompt: 'long' }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    const t0 = Date.now();
    ac.abort();
    const rec = await a.waitForAbort(3000);
    expect(rec.path).toBe('/api/generate');
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('applies backpressure: a client that stops reading stops the upstream too', async () => {
    const word = 'x'.repeat(1000) + ' ';
    a.script({ reply: word.repeat(40_000) });
    const res = await fetch(`${s.url}/ollama/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3', prompt: 'flood' }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    const rec = a.requests.find((r) => r.path === '/api/generate')!;
    // Wait until the upstream stalls (its sends stop growing): socket buffers are full.
    let last = -1;
    while (rec.bytesSent !== last) {
      last = rec.bytesSent;
      await new Promise((r) => setTimeout(r, 300));
    }
    // ~44 MB were offered; only what fits in socket buffers may have left the upstream.
    expect(rec.finished).toBe(false);
    expect(rec.bytesSent).toBeLessThan(20_000_000);
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
    }
    expect(total).toBeGreaterThan(40_000_000);
    expect(rec.finished).toBe(true);
  });

  it('keeps listing the live servers when one is down, and reports the dead one clearly', async () => {
    await s.ctx.settings.set({ OLLAMA_BASE_URLS: [a.url, 'http://127.0.0.1:9'] });
    const t0 = Date.now();
    const { models } = (await (await s.request('GET', '/ollama/api/tags', { token: user })).json()) as { models: { model: string }[] };
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(models.map((m) => m.model).sort()).toEqual(['llama3:latest', 'shared:latest']);
    expect(s.logs()).toMatch(/Ollama server 1 unreachable/);

    const chat = await s.request('POST', '/ollama/api/chat/1', { token: user, body: { model: 'llama3', messages: [{ role: 'user', content: 'x' }] } });
    expect(chat.status).toBe(500);
    expect(((await chat.json()) as { detail: string }).detail).toMatch(/^Ollama: Cannot connect to host 127\.0\.0\.1:9/);
    const ver = await s.request('GET', '/ollama/api/version/1');
    expect(ver.status).toBe(500);
    expect(await ver.json()).toEqual({ detail: 'Open WebUI: Server Connection Error', error: 'Open WebUI: Server Connection Error' });

    await s.ctx.settings.set({ OLLAMA_BASE_URLS: ['http://127.0.0.1:9'] });
    const none = await s.request('GET', '/ollama/api/version');
    expect(none.status).toBe(500);
    expect(await none.json()).toEqual({ detail: 'WebUI could not connect to Ollama', error: 'WebUI could not connect to Ollama' });
  });

  it('answers 504 when a server hangs past the timeout, and drops a hanging server from the list', async () => {
    b.script({ hang: /^\/api\/(chat|tags)$/ });
    const t0 = Date.now();
    const res = await s.request('POST', '/ollama/api/chat', { token: user, body: { model: 'qwen2:7b', messages: [{ role: 'user', content: 'x' }] } });
    // The model list (for routing) and the chat both wait at most 1 s each.
    expect(res.status).toBe(400);
    b.script({ hang: /^\/api\/chat$/ });
    const res2 = await s.request('POST', '/ollama/api/chat', { token: user, body: { model: 'qwen2:7b', messages: [{ role: 'user', content: 'x' }] } });
    expect(res2.status).toBe(504);
    expect(((await res2.json()) as { detail: string }).detail).toMatch(/^Ollama: Timed out/);
    expect(Date.now() - t0).toBeLessThan(4500);

    b.script({ hang: /^\/api\/tags$/ });
    const t1 = Date.now();
    const { models } = (await (await s.request('GET', '/ollama/api/tags', { token: user })).json()) as { models: { model: string }[] };
    expect(Date.now() - t1).toBeLessThan(2500);
    expect(models.map((m) => m.model).sort()).toEqual(['llama3:latest', 'shared:latest']);
  });

  it('ends a stream that breaks midway with an error line', async () => {
    a.script({ reply: 'one two three four five', breakAfter: { chunks: 2 } });
    const res = await s.request('POST', '/ollama/api/chat', { token: user, body: { model: 'llama3', messages: [{ role: 'user', content: 'x' }] } });
    expect(res.status).toBe(200);
    const lines = await ndjson(res);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ message: { content: 'one ' } });
    expect(String(lines[2]!.error)).toMatch(/Stream interrupted/);
  });

  it('reports unknown models and passes upstream errors through', async () => {
    const res = await s.request('POST', '/ollama/api/chat', { token: user, body: { model: 'nope', messages: [{ role: 'user', content: 'x' }] } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ detail: "Model 'nope:latest' was not found", error: "Model 'nope:latest' was not found" });
    const show = await s.request('POST', '/ollama/api/show', { token: user, body: { name: 'nope' } });
    expect(show.status).toBe(400);

    a.script({ error: { status: 400, message: 'invalid options', path: /^\/api\/(chat|show)$/ } });
    const chat = await s.request('POST', '/ollama/api/chat/0', { token: user, body: { model: 'llama3', messages: [{ role: 'user', content: 'x' }] } });
    expect(chat.status).toBe(400);
    expect(await chat.json()).toEqual({ detail: 'invalid options', error: 'invalid options' });
    const shown = await s.request('POST', '/ollama/api/show', { token: user, body: { model: 'llama3' } });
    expect(shown.status).toBe(400);
    expect(await shown.json()).toEqual({ detail: 'Ollama: invalid options', error: 'Ollama: invalid options' });

    const bad = await s.request('POST', '/ollama/api/chat', { token: user, body: { model: 'llama3', messages: [{ role: 'user' }] } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toContain("At least one of 'content' or 'tool_calls' must be provided");
    const invalid = await s.request('POST', '/ollama/api/chat', { token: user, body: { messages: [] } });
    expect(invalid.status).toBe(422);
  });

  it('enforces the original auth levels', async () => {
    const pending = (await createUser(s.ctx, { role: 'pending' })).token;
    expect((await s.request('GET', '/ollama/api/version')).status).toBe(200);
    expect(await (await s.request('GET', '/ollama/api/version')).json()).toEqual({ version: '0.6.8' });
    expect((await s.request('GET', '/ollama/')).status).toBe(200);
    expect((await s.request('GET', '/ollama/api/tags')).status).toBe(401);
    expect((await s.request('GET', '/ollama/api/tags', { token: pending })).status).toBe(401);
    for (const [method, path, body] of [
      ['POST', '/ollama/api/pull', { model: 'x' }],
      ['DELETE', '/ollama/api/push', { model: 'llama3' }],
      ['POST', '/ollama/api/create', { model: 'x' }],
      ['POST', '/ollama/api/copy', { source: 'llama3', destination: 'y' }],
      ['DELETE', '/ollama/api/delete', { model: 'llama3' }],
      ['GET', '/ollama/api/ps', undefined],
      ['GET', '/ollama/config', undefined],
      ['POST', '/ollama/verify', { url: a.url }],
    ] as const) {
      const res = await s.request(method, path, { token: user, body });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/do not have permission/);
    }
  });

  it('lets admins pull (streamed, index 0), copy, delete, push, unload and list loaded models', async () => {
    const pull = await s.request('POST', '/ollama/api/pull', { token: admin, body: { name: 'mistral' } });
    expect(pull.status).toBe(200);
    const steps = await ndjson(pull);
    expect(steps.at(-1)).toEqual({ status: 'success' });
    expect(a.requests.find((r) => r.path === '/api/pull')!.body).toMatchObject({ name: 'mistral', insecure: true });

    const copy = await s.request('POST', '/ollama/api/copy', { token: admin, body: { source: 'qwen2:7b', destination: 'qwen-copy' } });
    expect(await copy.json()).toBe(true);
    expect(b.current().models).toContain('qwen-copy:latest');
    const del = await s.request('DELETE', '/ollama/api/delete', { token: admin, body: { name: 'qwen-copy:latest' } });
    expect(await del.json()).toBe(true);
    expect(b.current().models).not.toContain('qwen-copy:latest');

    const push = await s.request('DELETE', '/ollama/api/push', { token: admin, body: { model: 'qwen2:7b' } });
    expect((await ndjson(push)).at(-1)).toEqual({ status: 'success' });

    b.script({ loaded: ['qwen2:7b'] });
    const ps = (await (await s.request('GET', '/ollama/api/ps', { token: admin })).json()) as { models: { model: string; urls: number[] }[] };
    expect(ps.models).toMatchObject([{ model: 'qwen2:7b', urls: [1] }]);
    const unload = await s.request('POST', '/ollama/api/unload', { token: admin, body: { model: 'shared' } });
    expect(await unload.json()).toEqual({ status: true });
    for (const f of [a, b]) expect(f.requests.find((r) => r.path === '/api/generate')!.body).toMatchObject({ model: 'shared:latest', keep_alive: 0 });
  });

  it('reads and updates the connection config, verifies a URL, and disables the API', async () => {
    const cfg = await (await s.request('GET', '/ollama/config', { token: admin })).json();
    expect(cfg).toEqual({ ENABLE_OLLAMA_API: true, OLLAMA_BASE_URLS: [a.url, b.url], OLLAMA_API_CONFIGS: {} });
    const updated = await (
      await s.request('POST', '/ollama/config/update', { token: admin, body: { OLLAMA_BASE_URLS: [`${b.url}/`], OLLAMA_API_CONFIGS: { '0': { prefix_id: 'p' }, '1': { key: 'x' } } } })
    ).json();
    expect(updated).toEqual({ ENABLE_OLLAMA_API: true, OLLAMA_BASE_URLS: [b.url], OLLAMA_API_CONFIGS: { '0': { prefix_id: 'p' } } });

    expect(await (await s.request('POST', '/ollama/verify', { token: admin, body: { url: a.url, key: 'secret' } })).json()).toEqual({ version: '0.6.8' });
    expect(a.requests.at(-1)!.headers.authorization).toBe('Bearer secret');
    const dead = await s.request('POST', '/ollama/verify', { token: admin, body: { url: 'http://127.0.0.1:9' } });
    expect(dead.status).toBe(500);
    expect(await dead.json()).toEqual({ detail: 'Open WebUI: Server Connection Error', error: 'Open WebUI: Server Connection Error' });

    await s.request('POST', '/ollama/config/update', { token: admin, body: { ENABLE_OLLAMA_API: false, OLLAMA_BASE_URLS: [a.url], OLLAMA_API_CONFIGS: {} } });
    expect(await (await s.request('GET', '/ollama/api/version')).json()).toEqual({ version: false });
    const tags = await s.request('GET', '/ollama/api/tags', { token: user });
    expect(tags.status).toBe(503);
    expect(await tags.json()).toEqual({ detail: 'The Ollama API is disabled. Please enable it to use this feature.', error: 'The Ollama API is disabled. Please enable it to use this feature.' });
  });

  it('proxies the OpenAI-compatible /v1 routes', async () => {
    const models = (await (await s.request('GET', '/ollama/v1/models', { token: user })).json()) as { object: string; data: { id: string; owned_by: string }[] };
    expect(models.object).toBe('list');
    expect(models.data.map((m) => m.id).sort()).toEqual(['llama3:latest', 'qwen2:7b', 'shared:latest']);
    const sse = await s.request('POST', '/ollama/v1/chat/completions', { token: user, body: { model: 'qwen2:7b', messages: [{ role: 'user', content: 'x' }], stream: true } });
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await sse.text();
    const content = text
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => (JSON.parse(e.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]!.delta.content ?? '')
      .join('');
    expect(content).toBe('Hello from the fake Ollama.');
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    const comp = (await (await s.request('POST', '/ollama/v1/completions', { token: user, body: { model: 'llama3', prompt: 'x' } })).json()) as { choices: { text: string }[] };
    expect(comp.choices[0]!.text).toBe('Hello from the fake Ollama.');
  });
});

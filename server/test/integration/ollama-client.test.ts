import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** The official `ollama` npm client, pointed at our /ollama with a Bearer token, works unchanged. */
describe('official ollama client against /ollama', () => {
  let fake: FakeOllama;
  let s: TestServer;
  let client: Ollama;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeOllama({ models: ['llama3:latest', 'nomic-embed-text:latest'], reply: 'Why is the sky blue? Rayleigh scattering.' });
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', OLLAMA_BASE_URL: fake.url });
    ({ token } = await createUser(s.ctx, { role: 'user' }));
    client = new Ollama({ host: `${s.url}/ollama`, headers: { Authorization: `Bearer ${token}` } });
  });
  afterAll(async () => {
    await s.close();
    await fake.close();
  });

  it('lists models', async () => {
    const { models } = await client.list();
    expect(models.map((m) => m.name).sort()).toEqual(['llama3:latest', 'nomic-embed-text:latest']);
    expect(models[0]!.details.format).toBe('gguf');
  });

  it('chats without and with streaming', async () => {
    const res = await client.chat({ model: 'llama3', messages: [{ role: 'user', content: 'why?' }] });
    expect(res.message.content).toBe('Why is the sky blue? Rayleigh scattering.');
    expect(res.done).toBe(true);

    const stream = await client.chat({ model: 'llama3', messages: [{ role: 'user', content: 'why?' }], stream: true });
    let text = '';
    let last: { done: boolean; eval_count?: number } | undefined;
    for await (const part of stream) {
      text += part.message.content;
      last = part;
    }
    expect(text).toBe('Why is the sky blue? Rayleigh scattering.');
    expect(last).toMatchObject({ done: true, eval_count: 7 });
  });

  it('generates, embeds and shows', async () => {
    const gen = await client.generate({ model: 'llama3', prompt: 'hi' });
    expect(gen.response).toBe('Why is the sky blue? Rayleigh scattering.');
    const stream = await client.generate({ model: 'llama3', prompt: 'hi', stream: true });
    let text = '';
    for await (const part of stream) text += part.response;
    expect(text).toBe(gen.response);

    const emb = await client.embed({ model: 'nomic-embed-text', input: ['a', 'b'] });
    expect(emb.embeddings).toHaveLength(2);
    expect(emb.embeddings[0]).toHaveLength(4);

    const show = await client.show({ model: 'llama3' });
    expect(show.modelfile).toContain('FROM llama3:latest');
  });

  it('rejects an unknown model with an error status', async () => {
    // Errors carry `error` next to the original's `detail`, so the client reports the reason itself.
    const err = (await client.chat({ model: 'missing', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as { message: string; status_code: number };
    expect(err.status_code).toBe(400);
    expect(err.message).toBe("Model 'missing:latest' was not found");
  });

  it("shows the upstream's reason, not just the status line (the client reads `error`)", async () => {
    fake.script({ error: { status: 503, message: 'server busy, please try again. maximum pending requests exceeded', path: /^\/api\/(chat|show)$/ } });
    try {
      const err = (await client.chat({ model: 'llama3', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as { message: string; status_code: number };
      expect(err.status_code).toBe(503);
      expect(err.message).toBe('server busy, please try again. maximum pending requests exceeded');
      const show = (await client.show({ model: 'llama3' }).catch((e: unknown) => e)) as { message: string };
      expect(show.message).toBe('Ollama: server busy, please try again. maximum pending requests exceeded');
      // Open WebUI's own UI keeps reading `detail`.
      const raw = await s.request('POST', '/ollama/api/show', { token, body: { model: 'llama3' } });
      expect(await raw.json()).toEqual({ detail: 'Ollama: server busy, please try again. maximum pending requests exceeded', error: 'Ollama: server busy, please try again. maximum pending requests exceeded' });
    } finally {
      fake.script({ error: null });
    }
  });
});

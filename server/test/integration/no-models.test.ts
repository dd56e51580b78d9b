import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelAvailability } from '../../src/modules/models/models.availability.js';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * A new user without a running Ollama: `/api/models` is empty and a chat fails, and both must say why
 * (which connection, what error, what to try), in full for admins and as "ask your administrator" for users.
 */
describe('no model available', () => {
  let s: TestServer;
  let admin: string;
  let user: string;
  beforeAll(async () => {
    // The test server's connections point at 127.0.0.1:9, where nothing listens.
    s = await startTestServer({ OPENAI_API_BASE_URL: 'https://api.openai.com/v1', OPENAI_API_KEY: '' });
    admin = (await createUser(s.ctx, { role: 'admin' })).token;
    user = (await createUser(s.ctx, { role: 'user' })).token;
  });
  afterAll(() => s.close());

  it('/api/models says which connection failed and what to try (admins)', async () => {
    const res = await s.request('GET', '/api/models', { token: admin });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data).toEqual([]);
    expect(body.no_models.message).toMatch(/^No model is available\. Ollama at http:\/\/127\.0\.0\.1:9: Nothing listens on 127\.0\.0\.1:9 — is Ollama running\? Start Ollama \(`ollama serve`/);
    // The keyless default OpenAI connection is not blamed.
    expect(body.no_models.message).not.toMatch(/api\.openai\.com/);
    expect(body.no_models.connections).toEqual([{ kind: 'ollama', url: 'http://127.0.0.1:9', problem: expect.stringMatching(/is Ollama running/), fix: expect.stringMatching(/ollama serve/) }]);
  });

  it('tells a user to ask the administrator, without connection details', async () => {
    const body = await (await s.request('GET', '/api/models', { token: user })).json();
    expect(body.no_models).toEqual({ message: 'No model is available right now. Please ask your administrator to check the model connections.' });
  });

  it('a chat says why instead of a bare "Model not found" (both detail and error.message)', async () => {
    const chat = { model: 'llama3', messages: [{ role: 'user', content: 'hi' }], stream: true };
    const a = await s.request('POST', '/api/chat/completions', { token: admin, body: chat });
    expect(a.status).toBe(400);
    const ab = await a.json();
    expect(ab.detail).toMatch(/^Model not found\. No model is available\. Ollama at http:\/\/127\.0\.0\.1:9: Nothing listens on 127\.0\.0\.1:9 — is Ollama running\?/);
    expect(ab.error.message).toBe(ab.detail);
    const u = await (await s.request('POST', '/api/chat/completions', { token: user, body: chat })).json();
    expect(u.detail).toBe('Model not found. No model is available right now. Please ask your administrator to check the model connections.');
    expect(u.detail).not.toContain('127.0.0.1');
    // The socket mode (session_id + chat_id + id, what the web UI sends) checks the model the same way.
    const socketMode = await s.request('POST', '/api/chat/completions', { token: user, body: { ...chat, session_id: 's1', chat_id: 'local:c1', id: 'm1' } });
    expect(socketMode.status).toBe(400);
    expect((await socketMode.json()).detail).toBe(u.detail);
  });

  it('an Ollama with no models is told apart from one that is down, and the field goes once models exist', async () => {
    const fake: FakeOllama = await startFakeOllama({ models: [] });
    try {
      await s.ctx.settings.set({ OLLAMA_BASE_URLS: [fake.url] });
      const empty = await (await s.request('GET', '/api/models?refresh=true', { token: admin })).json();
      expect(empty.no_models.message).toMatch(/The connection works but offers no models\. Pull one, e\.g\. `ollama pull llama3\.2`\./);
      fake.script({ models: ['llama3:latest'] });
      const full = await (await s.request('GET', '/api/models?refresh=true', { token: admin })).json();
      expect(full.data.map((m: { id: string }) => m.id)).toEqual(['llama3:latest']);
      expect(full.no_models).toBeUndefined();
    } finally {
      await fake.close();
    }
  });

  it('a model server that hangs delays the explanation by at most 3 s beyond the model list itself', { timeout: 40_000 }, async () => {
    const sockets: net.Socket[] = [];
    const hang = net.createServer((c) => void sockets.push(c)); // accepts, never answers
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hang.address() as net.AddressInfo).port}`;
    const slow = await startTestServer({ OLLAMA_BASE_URL: url, ENABLE_OPENAI_API: 'false', AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST: '4' });
    try {
      const { token } = await createUser(slow.ctx, { role: 'admin' });
      const started = Date.now();
      const body = await (await slow.request('GET', '/api/models', { token })).json();
      const ms = Date.now() - started;
      expect(body.data).toEqual([]);
      expect(body.no_models.message).toMatch(/the model connections did not answer within 3 s\. Check them under Admin Settings > Connections/);
      expect(ms).toBeLessThan(4_000 + 3_000 + 2_000);
      // The probe goes on in the background (shared, not restarted); once it has run its course the
      // real diagnosis is what the next answer gives.
      const availability = ModelAvailability.for(slow.ctx);
      await availability.reports();
      const later = { no_models: await availability.explain(true) };
      expect(later.no_models.message).toMatch(new RegExp(`Ollama at ${url.replace(/[.]/g, '\\.')}: No answer from 127\\.0\\.0\\.1:\\d+ within 4 s`));
    } finally {
      await slow.close();
      sockets.forEach((c) => c.destroy());
      hang.close();
    }
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Mode = 'trickle' | 'late' | 'stall' | 'longline';

/** An Ollama-speaking upstream that misbehaves on /api/chat in the chosen way. */
async function slowOllama(): Promise<{ url: string; set(m: Mode): void; close(): Promise<void> }> {
  let mode: Mode = 'trickle';
  const sockets = new Set<import('node:net').Socket>();
  const line = (content: string, done = false) => JSON.stringify({ model: 'llama3:latest', created_at: new Date().toISOString(), message: { role: 'assistant', content }, done }) + '\n';
  const server = http.createServer((req, res) => {
    req.resume();
    const path = (req.url ?? '').split('?')[0];
    if (path === '/api/tags') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ models: [{ name: 'llama3:latest', model: 'llama3:latest' }] }));
    if (path === '/api/ps') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"models":[]}');
    if (path === '/api/version') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"0.6.8"}');
    const stop = () => clearInterval(timer);
    let timer: NodeJS.Timeout | undefined;
    res.on('close', stop);
    if (mode === 'late') return void setTimeout(() => res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(line('late', true)), 3000);
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    if (mode === 'trickle') timer = setInterval(() => res.write(line('t')), 200);
    if (mode === 'stall') res.write(line('first'));
    if (mode === 'longline') {
      res.write(line('before'));
      const piece = 'x'.repeat(1024 * 1024);
      let sent = 0;
      timer = setInterval(() => {
        if (sent++ < 20) res.write(piece);
      }, 5);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (m) => (mode = m),
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

const chatBody = { model: 'llama3:latest', messages: [{ role: 'user', content: 'hi' }], stream: true };

describe('AIOHTTP_CLIENT_TIMEOUT bounds the whole response; a separate idle limit; NDJSON line cap', () => {
  let up: Awaited<ReturnType<typeof slowOllama>>;
  let total: TestServer;
  let idle: TestServer;
  let tokTotal: string;
  let tokIdle: string;
  beforeAll(async () => {
    up = await slowOllama();
    total = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', OLLAMA_BASE_URL: up.url, ENABLE_OPENAI_API: 'false', AIOHTTP_CLIENT_TIMEOUT: '1.5' });
    idle = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', OLLAMA_BASE_URL: up.url, ENABLE_OPENAI_API: 'false', AIOHTTP_CLIENT_TIMEOUT: '30', UPSTREAM_IDLE_TIMEOUT: '0.7' });
    tokTotal = (await createUser(total.ctx)).token;
    tokIdle = (await createUser(idle.ctx)).token;
  });
  afterAll(async () => {
    await total.close();
    await idle.close();
    await up.close();
  });

  it('cuts an upstream that trickles forever, with an in-band error, on both the translated and the raw path', async () => {
    up.set('trickle');
    for (const [path, body] of [['/api/chat/completions', chatBody], ['/ollama/api/chat', chatBody]] as const) {
      const t = Date.now();
      const res = await total.request('POST', path, { token: tokTotal, body });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(Date.now() - t, path).toBeLessThan(5000);
      expect(text, path).toMatch(/timed out/);
    }
  });

  it('answers 504 when the first byte does not come within the limit', async () => {
    up.set('late');
    const res = await total.request('POST', '/api/chat/completions', { token: tokTotal, body: chatBody });
    expect(res.status).toBe(504);
  });

  it('ends the reply with a clear error when one NDJSON line exceeds 16 MiB', async () => {
    up.set('longline');
    const res = await idle.request('POST', '/api/chat/completions', { token: tokIdle, body: chatBody });
    const text = await res.text();
    expect(text).toMatch(/longer than 16 MiB/);
    expect(text.length).toBeLessThan(1024 * 1024);
  });
  it('the idle limit cuts a stalled stream, and does not cut one that keeps talking', async () => {
    up.set('stall');
    const t = Date.now();
    const res = await idle.request('POST', '/api/chat/completions', { token: tokIdle, body: chatBody });
    const text = await res.text();
    expect(Date.now() - t).toBeLessThan(5000);
    expect(text).toMatch(/Stream interrupted: upstream timed out/);

    up.set('trickle');
    const ctrl = new AbortController();
    // Its own connection, destroyed afterwards: an aborted fetch may leave the socket open, and the
    // server would then keep streaming to it until AIOHTTP_CLIENT_TIMEOUT (30 s here).
    const agent = new Agent();
    const live = await fetch(`${idle.url}/api/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokIdle}`, 'content-type': 'application/json' },
      body: JSON.stringify(chatBody),
      signal: ctrl.signal,
      dispatcher: agent,
    } as RequestInit);
    const reader = live.body!.getReader();
    let got = '';
    const until = Date.now() + 1800;
    while (Date.now() < until) got += new TextDecoder().decode((await reader.read()).value ?? new Uint8Array());
    ctrl.abort();
    await agent.destroy();
    expect(got).not.toMatch(/interrupted/);
    expect(got.match(/"content":"t"/g)?.length ?? 0).toBeGreaterThan(4);
  });

});

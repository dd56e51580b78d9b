import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** An upstream speaking both APIs whose model lists are fine and whose chat replies are broken. */
async function brokenUpstream(): Promise<{ url: string; mode: { body: string }; close(): Promise<void> }> {
  const mode = { body: 'not json{{' };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/api/tags') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ models: [{ name: 'llama3:latest', model: 'llama3:latest' }] }));
      if (path === '/api/version') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"0.6.8"}');
      if (path === '/v1/models') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-x', object: 'model' }] }));
      if (mode.body === 'HUGE') {
        res.writeHead(200, { 'content-type': 'application/json' });
        const piece = Buffer.alloc(1024 * 1024, 0x20);
        res.write('{"a":"');
        let n = 0;
        const more = () => {
          while (n < 70 && res.write(piece)) n++;
          if (n < 70) res.once('drain', () => (n++, more()));
          else res.end('"}');
        };
        res.on('error', () => undefined);
        return more();
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(mode.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, mode, close: () => new Promise((r) => server.close(() => r())) };
}

describe('an upstream whose non-streamed reply is not valid JSON', () => {
  let up: Awaited<ReturnType<typeof brokenUpstream>>;
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    up = await brokenUpstream();
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', OLLAMA_BASE_URL: up.url, OPENAI_API_BASE_URL: `${up.url}/v1` });
    token = (await createUser(s.ctx)).token;
  });
  afterAll(async () => {
    await s.close();
    await up.close();
  });

  it('answers 502 when a reply read into memory exceeds 64 MiB', async () => {
    up.mode.body = 'HUGE';
    const res = await s.request('POST', '/api/chat/completions', { token, body: { model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }], stream: false } });
    expect(res.status).toBe(502);
    expect(JSON.stringify(await res.json())).toMatch(/larger than 64 MiB/);
  });

  for (const body of ['not json{{', '{"id":"chatcmpl-1","choices":[{"message":{"content":"trunc']) {
    it(`answers 502 with a clear detail (${body.slice(0, 12)}...)`, async () => {
      up.mode.body = body;
      for (const [path, model] of [
        ['/api/chat/completions', 'llama3:latest'],
        ['/api/chat/completions', 'gpt-x'],
        ['/openai/chat/completions', 'gpt-x'],
        ['/ollama/api/chat', 'llama3:latest'],
        ['/ollama/api/show', 'llama3:latest'],
      ] as const) {
        const res = await s.request('POST', path, { token, body: { model, name: model, messages: [{ role: 'user', content: 'hi' }], stream: false } });
        expect(res.status, `${path} ${model}`).toBe(502);
        expect(JSON.stringify(await res.json()), path).toMatch(/not valid JSON/);
      }
    });
  }
});

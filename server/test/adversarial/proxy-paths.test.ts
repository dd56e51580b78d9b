import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** A request whose path is sent byte for byte (fetch would resolve `..` itself). */
function rawRequest(base: string, method: string, path: string, token: string, body?: string): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ESCAPES = [
  ['DELETE', '/openai/..%2fapi%2fdelete'],
  ['POST', '/openai/..%2fapi%2fpull'],
  ['POST', '/openai/..%2fapi%2fcopy'],
  ['GET', '/openai/..%2fapi%2ftags'],
  ['GET', '/openai/..%2Fapi%2Ftags'],
  ['GET', '/openai/%2e%2e/api/tags'],
  ['GET', '/openai/.%2E/api/tags'],
  ['GET', '/openai/..%252fapi%252ftags'],
  ['GET', '/openai/%252e%252e/api/tags'],
  ['GET', '/openai/..%5capi%5ctags'],
  ['GET', '/openai/..\\api\\tags'],
  ['GET', '/openai/../api/tags'],
  ['GET', '/openai/./../api/tags'],
  ['GET', '/openai/models/../../api/tags'],
  ['GET', '/openai//api/tags'],
  ['GET', '/openai/x%00y'],
  ['GET', '/openai/%c0%ae%c0%ae/api/tags'],
] as const;

describe('catch-all proxies stay under the connection base', () => {
  let ollama: FakeOllama;
  let s: TestServer;
  let user: string;
  let admin: string;

  beforeAll(async () => {
    ollama = await startFakeOllama({ models: ['llama3:latest'] });
    // Connection 0 of the OpenAI list is the Ollama server's OpenAI-compatible /v1.
    s = await startTestServer({ OLLAMA_BASE_URL: ollama.url, OPENAI_API_BASE_URL: `${ollama.url}/v1`, OPENAI_API_KEY: 'sk-upstream' });
    admin = (await createUser(s.ctx, { role: 'admin' })).token;
    user = (await createUser(s.ctx)).token;
  });
  afterAll(async () => {
    await s.close();
    await ollama.close();
  });

  it('refuses .., encoded separators and dots in every form, for users and admins, sending nothing', async () => {
    ollama.reset();
    for (const [method, path] of ESCAPES) {
      for (const token of [user, admin]) {
        const status = await rawRequest(s.url, method, path, token, method === 'GET' ? undefined : '{"model":"llama3:latest","destination":"x"}');
        expect([400, 404], `${method} ${path}`).toContain(status);
      }
    }
    expect(ollama.requests.filter((r) => !r.path.startsWith('/v1/'))).toEqual([]);
    expect(ollama.requests).toEqual([]);
  });

  it('forwards a plain sub-path under the base', async () => {
    ollama.reset();
    const res = await s.request('POST', '/openai/completions', { token: user, body: { model: 'llama3:latest', prompt: 'hi' } });
    expect(res.status).toBe(200);
    expect(ollama.requests.map((r) => r.path)).toEqual(['/v1/completions']);
  });

  it('Ollama model management stays admin-only through the catch-all', async () => {
    const s2 = await startTestServer({ OLLAMA_BASE_URL: ollama.url, OPENAI_API_BASE_URL: ollama.url });
    try {
      const u = (await createUser(s2.ctx)).token;
      const a = (await createUser(s2.ctx, { role: 'admin' })).token;
      ollama.reset();
      for (const [method, path] of [
        ['POST', '/openai/api/pull'],
        ['POST', '/openai/api/copy'],
        ['DELETE', '/openai/api/delete'],
        ['POST', '/openai/api/create'],
        ['GET', '/openai/api/ps'],
        ['POST', '/openai/API/Pull'],
      ] as const) {
        expect(await rawRequest(s2.url, method, path, u, '{"model":"llama3:latest"}'), path).toBe(401);
      }
      expect(ollama.requests).toEqual([]);
      expect(await rawRequest(s2.url, 'DELETE', '/openai/api/delete', a, '{"model":"llama3:latest"}')).toBe(200);
      expect(ollama.requests.map((r) => r.path)).toEqual(['/api/delete']);
    } finally {
      await s2.close();
    }
  });

  it('honours ENABLE_OPENAI_API=false', async () => {
    const s3 = await startTestServer({ OLLAMA_BASE_URL: ollama.url, OPENAI_API_BASE_URL: `${ollama.url}/v1`, ENABLE_OPENAI_API: 'false' });
    try {
      const a = (await createUser(s3.ctx, { role: 'admin' })).token;
      ollama.reset();
      const res = await s3.request('POST', '/openai/completions', { token: a, body: { model: 'llama3:latest', prompt: 'hi' } });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/disabled/);
      expect(ollama.requests).toEqual([]);
    } finally {
      await s3.close();
    }
  });

  it('the Ollama routes have no path to escape through', async () => {
    for (const path of ['/ollama/..%2fapi%2fpull', '/ollama/api/pull/..%2f..%2fapi%2fdelete', '/ollama/api/tags/%2e%2e', '/ollama/api/pull/0/..']) {
      expect([400, 401, 404, 422], path).toContain(await rawRequest(s.url, 'POST', path, user, '{"model":"x"}'));
    }
    expect(await rawRequest(s.url, 'POST', '/ollama/api/pull', user, '{"model":"x"}')).toBe(401);
  });
});

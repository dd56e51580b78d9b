import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from '../../src/errors/api-error.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Routes that exist only in this test, to exercise the shared error path independently of features.
describe('error shapes and log redaction', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ MAX_BODY_SIZE: '4096' }, {
      beforeListen(app) {
        const body = z.object({ email: z.string(), password: z.string(), age: z.number().int().optional() });
        app.post('/test/echo', { config: { auth: 'public' }, schema: { body } }, async (req) => {
          req.log.info({ body: req.body }, 'echo received');
          return { ok: true };
        });
        app.get('/test/api-error', { config: { auth: 'public' } }, async () => {
          throw new ApiError(418, 'short and stout');
        });
        app.get('/test/crash', { config: { auth: 'public' } }, async () => {
          throw new Error('SELECT * FROM secret_table failed at /srv/app.js:12');
        });
        app.get('/test/admin-only', { config: { auth: 'admin' } }, async () => ({ ok: true }));
      },
    });
  });
  afterAll(() => s.close());

  it('422 with FastAPI-style issues for a body that fails its schema', async () => {
    const res = await s.request('POST', '/test/echo', { body: { email: 'a@b.c', age: 'old' } });
    expect(res.status).toBe(422);
    const { detail } = await res.json();
    expect(detail).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ loc: ['body', 'password'], type: 'invalid_type' }),
        expect.objectContaining({ loc: ['body', 'age'] }),
      ]),
    );
  });

  it('400 JSON for malformed JSON', async () => {
    const res = await s.request('POST', '/test/echo', { body: '{"email": ' });
    expect(res.status).toBe(400);
    expect((await res.json()).detail).toMatch(/Invalid JSON body/);
  });

  it('413 JSON for a body over the limit', async () => {
    const res = await s.request('POST', '/test/echo', { body: { email: 'x'.repeat(10_000), password: 'p' } });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ detail: 'Request body is too large' });
  });

  it('404 JSON for unknown routes and methods', async () => {
    for (const [m, p] of [['GET', '/api/v1/unknown'], ['DELETE', '/health'], ['GET', '/ollama/nope/../../etc/passwd']] as const) {
      const res = await s.request(m, p);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ detail: 'Not Found' });
    }
  });

  it('keeps the status and detail of an ApiError', async () => {
    const res = await s.request('GET', '/test/api-error');
    expect(res.status).toBe(418);
    expect(await res.json()).toEqual({ detail: 'short and stout' });
  });

  it('hides 5xx internals from the client but logs them with the request id', async () => {
    const res = await s.request('GET', '/test/crash', { headers: { 'x-request-id': 'crash-123' } });
    expect(res.status).toBe(500);
    const { detail } = await res.json();
    expect(detail).toBe('Internal Server Error (request id crash-123)');
    expect(detail).not.toMatch(/secret_table/);
    expect(s.logs()).toMatch(/crash-123[\s\S]*secret_table|secret_table[\s\S]*crash-123/);
  });

  it('refuses an anonymous caller of a guarded route with the original text', async () => {
    const res = await s.request('GET', '/test/admin-only');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: 'Not authenticated' });
  });

  it('never writes a password, bearer token or cookie to the log', async () => {
    const password = 'hunter2-Very-Secret-Pass';
    const bearer = 'sk-0123456789abcdef0123456789abcdef';
    await s.request('POST', '/test/echo?token=query-secret-zzz', {
      body: { email: 'a@b.c', password },
      headers: { authorization: `Bearer ${bearer}`, cookie: 'token=cookie-secret-yyy' },
    });
    await s.request('GET', '/test/admin-only', { headers: { authorization: `Bearer ${bearer}` } });
    const logs = s.logs();
    expect(logs).toContain('echo received');
    expect(logs).not.toContain(password);
    expect(logs).not.toContain(bearer);
    expect(logs).not.toContain('cookie-secret-yyy');
    expect(logs).not.toContain('query-secret-zzz');
  });
});

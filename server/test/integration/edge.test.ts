import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.js';
import { securityHeaders } from '../../src/plugins/security-headers.js';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** Sends raw bytes and returns the raw HTTP answer (for requests fetch refuses to make). */
function rawRequest(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('end', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.on('error', (e) => (out ? resolve(out) : reject(e)));
    socket.write(text);
  });
}

describe('CORS', () => {
  let wildcard: TestServer;
  let strict: TestServer;
  beforeAll(async () => {
    wildcard = await startTestServer();
    strict = await startTestServer({ CORS_ALLOW_ORIGIN: 'https://chat.example.com;http://localhost:5173' });
  });
  afterAll(async () => {
    await wildcard.close();
    await strict.close();
  });

  it('warns once about the * default and answers * without credentials (issue 12)', async () => {
    expect(wildcard.logs()).toContain("CORS_ALLOW_ORIGIN IS SET TO '*' - NOT RECOMMENDED FOR PRODUCTION DEPLOYMENTS");
    const res = await wildcard.request('GET', '/api/version', { headers: { origin: 'https://anything.test' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const pre = await wildcard.request('OPTIONS', '/api/v1/auths/', { headers: { origin: 'http://127.0.0.1:9999', 'access-control-request-method': 'GET' } });
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });

  it('allows listed origins and gives no CORS headers to others', async () => {
    const ok = await strict.request('GET', '/api/version', { headers: { origin: 'http://localhost:5173' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    const denied = await strict.request('GET', '/api/version', { headers: { origin: 'https://evil.test' } });
    expect(denied.status).toBe(200);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    expect(strict.logs()).not.toContain('NOT RECOMMENDED');
  });

  it('answers preflights (even on admin routes) with methods, requested headers and a cache age', async () => {
    const res = await strict.request('OPTIONS', '/api/v1/doctor', {
      headers: { origin: 'https://chat.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://chat.example.com');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    const bad = await strict.request('OPTIONS', '/api/v1/doctor', { headers: { origin: 'https://evil.test', 'access-control-request-method': 'GET' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ detail: 'Disallowed CORS origin' });
  });

  it('stops start-up with the original messages for an invalid origin', () => {
    const load = (v: Record<string, string>) => () => loadConfig({ ...v, DATA_DIR: '/tmp/x' });
    expect(load({ CORS_ALLOW_ORIGIN: 'localhost:3000' })).toThrow(
      "Invalid scheme in CORS_ALLOW_ORIGIN: 'localhost:3000'. Only 'http' and 'https' and CORS_ALLOW_CUSTOM_SCHEME are allowed.",
    );
    expect(load({ CORS_ALLOW_ORIGIN: 'http://' })).toThrow("Invalid URL structure in CORS_ALLOW_ORIGIN: 'http://'.");
    expect(load({ CORS_ALLOW_ORIGIN: '*;https://a.test' })).toThrow(ConfigError);
    expect(load({ CORS_ALLOW_ORIGIN: 'app://desk' })).toThrow(/Invalid scheme/);
    expect(loadConfig({ CORS_ALLOW_ORIGIN: 'app://desk', CORS_ALLOW_CUSTOM_SCHEME: 'app', DATA_DIR: '/tmp/x' }).cors.allowOrigin).toEqual(['app://desk']);
  });
});

describe('security headers', () => {
  const cases: [string, string, string, string][] = [
    // variable, value, header, expected
    ['HSTS', 'max-age=63072000;includeSubDomains;preload', 'Strict-Transport-Security', 'max-age=63072000;includeSubDomains;preload'],
    ['HSTS', 'max-age=abc', 'Strict-Transport-Security', 'max-age=31536000;includeSubDomains'],
    ['XFRAME_OPTIONS', 'sameorigin', 'X-Frame-Options', 'sameorigin'],
    ['XFRAME_OPTIONS', 'ALLOW-FROM x', 'X-Frame-Options', 'DENY'],
    ['XCONTENT_TYPE', 'whatever', 'X-Content-Type-Options', 'nosniff'],
    ['XDOWNLOAD_OPTIONS', 'x', 'X-Download-Options', 'noopen'],
    ['REFERRER_POLICY', 'strict-origin-when-cross-origin', 'Referrer-Policy', 'strict-origin-when-cross-origin'],
    ['REFERRER_POLICY', 'sometimes', 'Referrer-Policy', 'no-referrer'],
    ['CACHE_CONTROL', 'private, max-age=60', 'Cache-Control', 'private, max-age=60'],
    ['CACHE_CONTROL', 'forever', 'Cache-Control', 'no-store, max-age=0'],
    ['PERMISSIONS_POLICY', 'camera=(),microphone=(self)', 'Permissions-Policy', 'camera=(),microphone=(self)'],
    ['PERMISSIONS_POLICY', 'teleport=()', 'Permissions-Policy', 'none'],
    ['XPERMITTED_CROSS_DOMAIN_POLICIES', 'master-only', 'X-Permitted-Cross-Domain-Policies', 'master-only'],
    ['XPERMITTED_CROSS_DOMAIN_POLICIES', 'all', 'X-Permitted-Cross-Domain-Policies', 'none'],
    ['CONTENT_SECURITY_POLICY', "default-src 'self'", 'Content-Security-Policy', "default-src 'self'"],
  ];
  it.each(cases)('%s=%s -> %s: %s', (variable, value, header, expected) => {
    const headers = securityHeaders(loadConfig({ [variable]: value, DATA_DIR: '/tmp/x' }));
    expect(headers).toEqual({ [header]: expected });
  });

  it('sends only nosniff and same-origin framing when unset, and the configured ones on every response (404s included)', async () => {
    const plain = await startTestServer();
    const configured = await startTestServer({ HSTS: 'max-age=100', XFRAME_OPTIONS: 'DENY', CACHE_CONTROL: 'no-store' });
    try {
      const a = await plain.request('GET', '/api/version');
      expect(a.headers.get('strict-transport-security')).toBeNull();
      expect(a.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(a.headers.get('x-content-type-options')).toBe('nosniff');
      expect(a.headers.get('x-process-time')).toMatch(/^\d+$/);
      for (const path of ['/api/version', '/api/v1/nope', '/health']) {
        const b = await configured.request('GET', path);
        expect(b.headers.get('strict-transport-security')).toBe('max-age=100');
        expect(b.headers.get('x-frame-options')).toBe('DENY');
        expect(b.headers.get('cache-control')).toBe('no-store');
      }
    } finally {
      await plain.close();
      await configured.close();
    }
  });
});

describe('limits, proxies and the websocket check', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ MAX_BODY_SIZE: '2048', PUBLIC_RATE_LIMIT_PER_MINUTE: '5', MAX_URL_LENGTH: '1000' });
  });
  afterAll(() => s.close());

  it('413 for a body over the limit (MAX_BODY_SIZE), as JSON', async () => {
    const { token } = await createUser(s.ctx, { role: 'admin' });
    const res = await s.request('POST', '/api/v1/doctor/probe', { token, body: { kind: 'ollama', url: 'http://x', key: 'k'.repeat(3000) } });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ detail: 'Request body is too large' });
  });

  it('414 for an over-long URL and 431 JSON for oversized headers', async () => {
    const res = await s.request('GET', `/health?x=${'a'.repeat(1200)}`);
    expect(res.status).toBe(414);
    expect((await res.json()).detail).toMatch(/too long/);
    const raw = await rawRequest(s.url, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20000)}\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1.1 431/);
    expect(raw).toContain('{"detail":"Request headers (or URL) too large"}');
  });

  it('rate-limits unauthenticated API calls per client IP, never health probes', async () => {
    const ip = { 'x-forwarded-for': '198.51.100.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await s.request('GET', '/api/version', { headers: ip })).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses[6]).toBe(429);
    const limited = await s.request('GET', '/api/config', { headers: ip });
    expect(await limited.json()).toEqual({ detail: 'API rate limit exceeded' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another client (by trusted X-Forwarded-For) still passes; health checks are exempt.
    expect((await s.request('GET', '/api/version', { headers: { 'x-forwarded-for': '198.51.100.8' } })).status).toBe(200);
    for (let i = 0; i < 8; i++) expect((await s.request('GET', '/health', { headers: ip })).status).toBe(200);
  });

  it.runIf(Boolean(process.env.TEST_REDIS_URL))('shares the public rate limit between instances through Redis', async () => {
    const env = { REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_KEY_PREFIX: `edge${Date.now()}`, PUBLIC_RATE_LIMIT_PER_MINUTE: '4' };
    const a = await startTestServer(env);
    const b = await startTestServer(env);
    try {
      const ip = { 'x-forwarded-for': '198.51.100.77' };
      const seen: number[] = [];
      for (const srv of [a, b, a, b, a, b]) seen.push((await srv.request('GET', '/api/version', { headers: ip })).status);
      expect(seen).toEqual([200, 200, 200, 200, 429, 429]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('trusts X-Forwarded-* from FORWARDED_ALLOW_IPS (127.0.0.1 by default)', async () => {
    const res = await s.request('GET', '/api/v1/doctor/echo', {
      headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'chat.example.com' },
    });
    expect(await res.json()).toEqual({ client_ip: '203.0.113.9', scheme: 'https', host: 'chat.example.com' });
  });

  it('ignores X-Forwarded-* from peers outside FORWARDED_ALLOW_IPS', async () => {
    const other = await startTestServer({ FORWARDED_ALLOW_IPS: '10.1.2.3' });
    try {
      const res = await other.request('GET', '/api/v1/doctor/echo', {
        headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'chat.example.com' },
      });
      const body = await res.json();
      expect(body.client_ip).toBe('127.0.0.1');
      expect(body.scheme).toBe('http');
      expect(body.host).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      await other.close();
    }
  });

  it('rejects a websocket-transport request whose Upgrade headers were stripped', async () => {
    const res = await s.request('GET', '/ws/socket.io/?EIO=4&transport=websocket', { headers: { 'x-forwarded-for': '198.51.100.99' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ detail: 'Invalid WebSocket upgrade request' });
  });

  it('streams the doctor SSE endpoint unbuffered-friendly', async () => {
    const res = await s.request('GET', '/api/v1/doctor/sse?ticks=2&interval_ms=10', { headers: { 'x-forwarded-for': '198.51.100.50' } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const text = await res.text();
    expect(text.match(/^data: /gm)).toHaveLength(3);
    expect(text).toContain('data: [DONE]');
  });
});

describe('slow uploads', () => {
  it('drops a request whose body stalls, but not a slow handler', async () => {
    const Fastify = (await import('fastify')).default;
    const { registerLimits } = await import('../../src/plugins/limits.js');
    const { MemoryState } = await import('../../src/state/shared-state.js');
    const app = Fastify();
    registerLimits(app, { config: loadConfig({ DATA_DIR: '/tmp/x' }), state: new MemoryState() }, 300);
    app.post('/slow', { config: { auth: 'public' } }, async () => {
      await new Promise((r) => setTimeout(r, 700));
      return { ok: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`;
      const started = Date.now();
      const stalled = await rawRequest(url, 'POST /slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
      expect(stalled).not.toContain('"ok":true');
      expect(Date.now() - started).toBeLessThan(3000);
      const res = await fetch(`${url}/slow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(await res.json()).toEqual({ ok: true });
    } finally {
      await app.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteGuardEntry } from '../../src/plugins/auth-guard.js';
import { prototypePollution } from '../../src/security/poison-check.js';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * The adversarial walk: every route of the live route table (so routes added later are covered without
 * touching this file), every method, as anonymous, pending, user and admin, with hostile path values,
 * query strings and bodies. Asserts no response >= 500 (routes that talk to an upstream may answer
 * 502/503/504 with a clear detail), no request hanging past its timeout, and a healthy server after.
 * Bounded: a fixed set of variants per route and role, run a few at a time.
 */
// A request still unanswered after this long is a hang (generous: CI's two cores also run other test files).
const PER_REQUEST_TIMEOUT_MS = 30_000;
const CONCURRENCY = 6;
const MB = 'x'.repeat(1024 * 1024);
const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

const PATH_VALUES = [
  '__proto__',
  'constructor',
  'prototype',
  '..%2f..%2fetc%2fpasswd',
  '..%252f%2e%2e',
  'a%00b',
  'x'.repeat(400),
  '%ff%ED%A0%80', // invalid UTF-8, then a lone surrogate in UTF-8 form
  '-1e309',
];
// Admins reach every handler: they get every variant. Users get a sample (the handlers are the same,
// only their permission branches differ). Callers the guard refuses get two of each, showing the
// refusal holds whatever the input.
const USER_PATH_VALUES = ['__proto__', '..%2f..%2fetc%2fpasswd', 'a%00b', 'x'.repeat(400)];
const USER_BODIES = new Set(['malformed', 'wrong-types', 'nul-surrogates', 'proto-nested', 'deep', '1MB-strings']);
const GUARDED_PATH_VALUES = ['__proto__', '..%2f..%2fetc%2fpasswd'];
const GUARDED_BODIES = new Set(['malformed', 'deep']);

const QUERIES = [
  '?page=-1&skip=1e309&limit=abc&order_by=__proto__&direction=%00&query=%ED%A0%80',
  '?page=99999999999999999999&__proto__[polluted]=1&constructor[prototype][polluted]=1&id=..%2f..%2f',
];

interface BodyVariant {
  name: string;
  body: string;
  type?: string;
  big?: boolean;
}

const BODIES: BodyVariant[] = [
  { name: 'malformed', body: '{"a":' },
  { name: 'array', body: '[]' },
  { name: 'null', body: 'null' },
  {
    name: 'wrong-types',
    body: JSON.stringify({ model: 1, messages: 'x', name: {}, email: [], password: 5, content: {}, chat: 'x', id: 5, title: [], role: 7, prompt: null, stream: 'yes', params: [], format: 5 }),
  },
  { name: 'huge-numbers', body: '{"skip":1e309,"limit":-1e309,"page":99999999999999999999999,"temperature":1e400,"keep_alive":-1e999,"options":{"num_ctx":1e300}}' },
  {
    name: 'nul-surrogates',
    body: '{"name":"a\\u0000b","email":"a\\u0000@example.com","password":"\\ud800","content":"\\udfff\\u0000","model":"\\ud800","title":"\\u0000","chat":{"title":"\\udc00"},"messages":[{"role":"user","content":"\\ud800"}],"prompt":"\\u0000"}',
  },
  { name: 'proto-top', body: '{"__proto__":{"polluted":1},"id":"__proto__","name":"constructor"}' },
  { name: 'proto-constructor', body: '{"constructor":{"prototype":{"polluted":1}}}' },
  { name: 'proto-nested', body: '{"chat":{"history":{"messages":{"__proto__":{"content":"x"}}}},"params":{"__proto__":{"polluted":1}}}' },
  { name: 'deep', body: deep(10_000) },
  { name: 'text-plain', body: 'hello', type: 'text/plain' },
  { name: 'form', body: 'a=1&__proto__[x]=1', type: 'application/x-www-form-urlencoded' },
  {
    name: '1MB-strings',
    big: true,
    body: JSON.stringify({ name: MB, email: `${MB}@x.com`, password: MB, content: MB, model: MB, title: MB, chat: { title: MB }, messages: [{ role: 'user', content: MB }], prompt: MB }),
  },
];

// Signing out revokes the walker's own token, so the rest of the walk would only see 401s.
const SKIP = (r: RouteGuardEntry) => r.method === 'HEAD' || /\/signout$/.test(r.url);
// Routes that reach an upstream server (or probe one) may fail with a gateway status and a clear detail.
const UPSTREAM = /^\/(ollama|openai)\/|^\/api\/(v1\/)?(chat\/completions|embeddings|models|v1\/doctor)|verify|\/api\/v1\/tasks|\/api\/v1\/chats\/.*\/(title|tags)/;

const fill = (url: string, value: string) => url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, value).replace(/\*/g, value);

interface Probe {
  role: string;
  token?: string;
  route: RouteGuardEntry;
  path: string;
  variant: string;
  body?: string;
  type?: string;
}

describe('adversarial walk over the live route table', () => {
  let ollama: FakeOllama;
  let s: TestServer;
  const roles: { role: string; token?: string }[] = [];

  beforeAll(async () => {
    ollama = await startFakeOllama({ models: ['llama3:latest'] });
    s = await startTestServer({ OLLAMA_BASE_URL: ollama.url, OPENAI_API_BASE_URL: `${ollama.url}/v1`, PUBLIC_RATE_LIMIT_PER_MINUTE: '0', AIOHTTP_CLIENT_TIMEOUT: '5', GLOBAL_LOG_LEVEL: 'error' });
    const admin = await createUser(s.ctx, { role: 'admin' });
    const pending = await createUser(s.ctx, { role: 'pending' });
    const user = await createUser(s.ctx, { role: 'user' });
    roles.push({ role: 'anonymous' }, { role: 'pending', token: pending.token }, { role: 'user', token: user.token }, { role: 'admin', token: admin.token });
  });
  afterAll(async () => {
    await s.close();
    await ollama.close();
  });

  const send = async (p: Probe): Promise<string | null> => {
    const headers: Record<string, string> = {};
    if (p.token) headers.authorization = `Bearer ${p.token}`;
    if (p.body !== undefined) headers['content-type'] = p.type ?? 'application/json';
    let res: Response;
    try {
      res = await fetch(s.url + p.path, { method: p.route.method, headers, body: p.body, signal: AbortSignal.timeout(PER_REQUEST_TIMEOUT_MS) });
    } catch (err) {
      const name = (err as { name?: string }).name;
      return `${p.role} ${p.route.method} ${p.path.slice(0, 120)} [${p.variant}] -> ${name === 'TimeoutError' ? 'HANG' : `network error ${String(err)}`}`;
    }
    const text = await res.text().catch(() => '');
    if (res.status < 500) return null;
    let detail: unknown;
    try {
      const j = JSON.parse(text) as { detail?: unknown; error?: { message?: unknown } };
      detail = j.detail ?? j.error?.message;
    } catch {
      /* not JSON */
    }
    const gateway = [502, 503, 504].includes(res.status) && typeof detail === 'string' && detail.length > 0;
    if (gateway && UPSTREAM.test(p.route.url)) return null;
    return `${p.role} ${p.route.method} ${p.path.slice(0, 120)} [${p.variant}] -> ${res.status} ${text.slice(0, 160)}`;
  };

  it('0 responses >= 500, 0 hangs, healthy after', { timeout: 240_000 }, async () => {
    const routes = s.app.routeTable.filter((r) => !SKIP(r));
    const probes: Probe[] = [];
    for (const route of routes) {
      const hasParams = /[:*]/.test(route.url);
      const withBody = route.method !== 'GET';
      for (const { role, token } of roles) {
        const reachesHandler = role === 'admin' || role === 'user' || route.auth === 'public' || (route.auth === 'any' && role === 'pending');
        const full = role === 'admin';
        const values = full ? PATH_VALUES : reachesHandler ? USER_PATH_VALUES : GUARDED_PATH_VALUES;
        const bodies = BODIES.filter((b) => (full ? true : reachesHandler ? USER_BODIES.has(b.name) && (!b.big || role !== 'anonymous') : GUARDED_BODIES.has(b.name)));
        if (hasParams) for (const v of values) probes.push({ role, token, route, path: fill(route.url, v), variant: `path ${v.slice(0, 20)}`, ...(withBody ? { body: '{}' } : {}) });
        const path = fill(route.url, 'x');
        if (!withBody) for (const q of full || reachesHandler ? QUERIES : QUERIES.slice(0, 1)) probes.push({ role, token, route, path: path + q, variant: 'query' });
        else for (const b of bodies) probes.push({ role, token, route, path, variant: b.name, body: b.body, type: b.type });
      }
    }
    // Large bodies last: the chats they create would otherwise make every later list request heavy.
    probes.sort((a, b) => Number(a.variant === '1MB-strings') - Number(b.variant === '1MB-strings'));
    const started = Date.now();
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < probes.length) {
          const p = probes[next++]!;
          const f = await send(p);
          if (f) failures.push(f);
        }
      }),
    );
    const elapsed = Date.now() - started;
    console.log(`adversarial walk: ${routes.length} routes, ${probes.length} requests in ${elapsed} ms`);
    expect(failures).toEqual([]);

    expect(prototypePollution()).toEqual([]);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    const admin = roles.find((r) => r.role === 'admin')!;
    const me = await fetch(`${s.url}/api/v1/auths/`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(me.status).toBe(200);
    const models = await fetch(`${s.url}/api/models`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(models.status).toBe(200);
  });
});

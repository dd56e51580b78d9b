import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAuthGuard, type RouteGuardEntry } from '../../src/plugins/auth-guard.js';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// A concrete path for a route pattern: every parameter (with or without a regex) and wildcard gets "0".
const concrete = (url: string) => url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, '0').replace(/\*/g, '0');

/**
 * Walks every route the app registered (including ones other modules add later) and proves its
 * declared guard holds over real HTTP: no anonymous caller gets past a non-public route, no pending
 * user past a verified one, no plain user past an admin one.
 */
describe('route guards', () => {
  let s: TestServer;
  let routes: RouteGuardEntry[];
  let pending: string;
  let user: string;

  beforeAll(async () => {
    s = await startTestServer();
    routes = [...s.app.routeTable];
    await createUser(s.ctx, { role: 'admin' });
    pending = (await createUser(s.ctx, { role: 'pending' })).token;
    user = (await createUser(s.ctx, { role: 'user' })).token;
  });
  afterAll(() => s.close());

  const call = async (r: RouteGuardEntry, token?: string) => {
    const res = await fetch(s.url + concrete(r.url), { method: r.method, headers: token ? { authorization: `Bearer ${token}` } : {} });
    await res.arrayBuffer();
    return res.status;
  };

  it('records every route with its level, the account routes included', () => {
    const find = (m: string, u: string) => routes.find((r) => r.method === m && r.url === u)?.auth;
    expect(find('POST', '/api/v1/auths/signin')).toBe('public');
    expect(find('GET', '/api/v1/auths/')).toBe('any');
    expect(find('GET', '/api/v1/users/permissions')).toBe('verified');
    expect(find('POST', '/api/v1/users/update/role')).toBe('admin');
    expect(find('DELETE', '/api/v1/users/:user_id')).toBe('admin');
    expect(routes.filter((r) => r.auth !== 'public').length).toBeGreaterThan(20);
  });

  it('refuses an anonymous caller on every non-public route', async () => {
    const leaks: string[] = [];
    for (const r of routes.filter((r) => r.auth !== 'public')) {
      const status = await call(r);
      if (status !== 401) leaks.push(`${r.method} ${r.url} (${r.auth}) -> ${status}`);
    }
    expect(leaks).toEqual([]);
  });

  it('refuses a pending user on every verified and admin route', async () => {
    const leaks: string[] = [];
    for (const r of routes.filter((r) => r.auth === 'verified' || r.auth === 'admin')) {
      const status = await call(r, pending);
      if (status !== 401) leaks.push(`${r.method} ${r.url} (${r.auth}) -> ${status}`);
    }
    expect(leaks).toEqual([]);
  });

  it('refuses a plain user on every admin route', async () => {
    const leaks: string[] = [];
    for (const r of routes.filter((r) => r.auth === 'admin')) {
      const status = await call(r, user);
      if (status !== 401) leaks.push(`${r.method} ${r.url} -> ${status}`);
    }
    expect(leaks).toEqual([]);
  });

  it('refuses to register a route that declares no level', async () => {
    const app = Fastify();
    registerAuthGuard(app, { authenticate: async () => Promise.reject(new Error('unused')) });
    expect(() => app.get('/forgot-guard', async () => 'open')).toThrow(/declares no auth level/);
    await app.close();
  });
});

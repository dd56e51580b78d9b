import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const json = (r: Response) => r.json() as Promise<any>;
const signin = (s: TestServer, email: string, password: string, headers?: Record<string, string>) =>
  s.request('POST', '/api/v1/auths/signin', { body: { email, password }, headers });

describe('auth modes, API keys, start-up seeding and restarts', () => {
  const servers: TestServer[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const s = await startTestServer(env);
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    while (servers.length) await servers.pop()!.close();
  });

  it('seeds WEBUI_ADMIN_EMAIL/PASSWORD as admin on an empty database and closes sign-up', async () => {
    const s = await start({ WEBUI_ADMIN_EMAIL: 'Root@Example.com', WEBUI_ADMIN_PASSWORD: 'seeded-pw', WEBUI_ADMIN_NAME: 'Root' });
    const res = await signin(s, 'root@example.com', 'seeded-pw');
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ role: 'admin', name: 'Root' });
    expect(s.ctx.settings.get('ENABLE_SIGNUP')).toBe(false);
    expect((await s.request('POST', '/api/v1/auths/signup', { body: { name: 'x', email: 'x@example.com', password: 'p' } })).status).toBe(403);
  });

  it('keeps revocations across a restart of the same database', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-keep-'));
    // One database outlives the three server lifetimes (on PostgreSQL too when the suite runs there).
    const pgDb = POSTGRES_URL ? await createPostgresDatabase() : null;
    const dbUrl = pgDb ? pgDb.url : `sqlite:///${path.join(dir, 'keep.db')}`;
    const a = await start({ DATABASE_URL: dbUrl });
    await a.request('POST', '/api/v1/auths/signup', { body: { name: 'A', email: 'a@example.com', password: 'pw-a' } });
    const t1 = (await json(await signin(a, 'a@example.com', 'pw-a'))).token;
    const t2 = (await json(await signin(a, 'a@example.com', 'pw-a'))).token;
    await a.request('GET', '/api/v1/auths/signout', { token: t1 });
    await servers.pop()!.close();
    const b = await start({ DATABASE_URL: dbUrl });
    expect((await b.request('GET', '/api/v1/auths/', { token: t1 })).status).toBe(401);
    expect((await b.request('GET', '/api/v1/auths/', { token: t2 })).status).toBe(200);
    await b.request('POST', '/api/v1/auths/update/password', { token: t2, body: { password: 'pw-a', new_password: 'pw-b' } });
    await servers.pop()!.close();
    const c = await start({ DATABASE_URL: dbUrl });
    expect((await c.request('GET', '/api/v1/auths/', { token: t2 })).status).toBe(401);
    await servers.pop()!.close();
    await pgDb?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('WEBUI_AUTH=false signs everyone in as the local admin', async () => {
    const s = await start({ WEBUI_AUTH: 'false' });
    const res = await signin(s, '', '');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ email: 'admin@localhost', name: 'User', role: 'admin' });
    const again = await json(await signin(s, 'whoever@example.com', 'ignored'));
    expect(again.id).toBe(body.id);
    expect((await s.request('POST', '/api/v1/auths/signup', { body: { name: 'x', email: 'x@example.com', password: 'p' } })).status).toBe(403);
    const cfg = await json(await s.request('GET', '/api/config'));
    expect(cfg.features.auth).toBe(false);
    expect(cfg.features.enable_signup).toBe(false);
  });

  it('WEBUI_AUTH=false refuses with EXISTING_USERS when other accounts exist', async () => {
    const s = await start({ WEBUI_AUTH: 'false' });
    await createUser(s.ctx, { role: 'admin' });
    const res = await signin(s, '', '');
    expect(res.status).toBe(400);
    expect((await json(res)).detail).toMatch(/can't turn off authentication/);
  });

  it('trusted-header sign-in creates and signs in the proxied user, and a mismatch is refused', async () => {
    const s = await start({ WEBUI_AUTH_TRUSTED_EMAIL_HEADER: 'X-User-Email', WEBUI_AUTH_TRUSTED_NAME_HEADER: 'X-User-Name' });
    const missing = await signin(s, 'a@b.c', 'x');
    expect(missing.status).toBe(400);
    expect((await json(missing)).detail).toMatch(/trusted header/);

    const res = await signin(s, 'ignored@x.io', 'x', { 'x-user-email': 'Proxy.User@Corp.com', 'x-user-name': encodeURIComponent('Jürgen Ø') });
    expect(res.status).toBe(200);
    const first = await json(res);
    expect(first).toMatchObject({ email: 'proxy.user@corp.com', name: 'Jürgen Ø', role: 'admin' });
    const second = await json(await signin(s, '', '', { 'x-user-email': 'other@corp.com' }));
    expect(second).toMatchObject({ email: 'other@corp.com', name: 'other@corp.com', role: 'pending' });

    expect((await s.request('GET', '/api/v1/auths/', { token: first.token, headers: { 'x-user-email': 'proxy.user@corp.com' } })).status).toBe(200);
    const mismatch = await s.request('GET', '/api/v1/auths/', { token: first.token, headers: { 'x-user-email': 'other@corp.com' } });
    expect(mismatch.status).toBe(401);
    expect((await json(mismatch)).detail).toBe('User mismatch. Please sign in again.');
    const pw = await s.request('POST', '/api/v1/auths/update/password', { token: first.token, body: { password: 'a', new_password: 'b' } });
    expect(pw.status).toBe(400);
    const cfg = await json(await s.request('GET', '/api/config'));
    expect(cfg.features.auth_trusted_header).toBe(true);
  });

  it('refuses password sign-in when ENABLE_PASSWORD_AUTH=false', async () => {
    const s = await start({ ENABLE_PASSWORD_AUTH: 'false' });
    const { user, password } = await createUser(s.ctx);
    const res = await signin(s, user.email, password);
    expect(res.status).toBe(403);
  });

  it('lets the first admin sign up with ENABLE_INITIAL_ADMIN_SIGNUP even when sign-up is off', async () => {
    const closed = await start({ ENABLE_SIGNUP: 'false' });
    expect((await closed.request('POST', '/api/v1/auths/signup', { body: { name: 'x', email: 'x@example.com', password: 'p' } })).status).toBe(403);
    const initial = await start({ ENABLE_SIGNUP: 'false', ENABLE_INITIAL_ADMIN_SIGNUP: 'true' });
    const res = await initial.request('POST', '/api/v1/auths/signup', { body: { name: 'x', email: 'x@example.com', password: 'p' } });
    expect(res.status).toBe(200);
    expect((await json(res)).role).toBe('admin');
    expect((await initial.request('POST', '/api/v1/auths/signup', { body: { name: 'y', email: 'y@example.com', password: 'p' } })).status).toBe(403);
  });

  it('applies ENABLE_PASSWORD_VALIDATION with its hint', async () => {
    const s = await start({ ENABLE_PASSWORD_VALIDATION: 'true', PASSWORD_VALIDATION_HINT: 'Use 8+ chars with upper, lower, digit and symbol.' });
    const weak = await s.request('POST', '/api/v1/auths/signup', { body: { name: 'x', email: 'x@example.com', password: 'weakpass' } });
    expect(weak.status).toBe(400);
    expect((await json(weak)).detail).toBe('Use 8+ chars with upper, lower, digit and symbol.');
    const strong = await s.request('POST', '/api/v1/auths/signup', { body: { name: 'x', email: 'x@example.com', password: 'Str0ng!pass' } });
    expect(strong.status).toBe(200);
  });

  it('API keys: off by default, permission-gated, one per user, regenerate invalidates, endpoint allow-list', async () => {
    const s = await start();
    const admin = await createUser(s.ctx, { role: 'admin' });
    const user = await createUser(s.ctx, { role: 'user' });

    const off = await s.request('POST', '/api/v1/auths/api_key', { token: admin.token });
    expect(off.status).toBe(403);
    expect((await json(off)).detail).toBe('API key creation is not allowed in the environment.');
    await s.ctx.settings.set({ ENABLE_API_KEYS: true });
    expect((await s.request('POST', '/api/v1/auths/api_key', { token: user.token })).status).toBe(403);
    expect((await s.request('GET', '/api/v1/auths/api_key', { token: user.token })).status).toBe(404);

    const k1 = (await json(await s.request('POST', '/api/v1/auths/api_key', { token: admin.token }))).api_key;
    expect(k1).toMatch(/^sk-[0-9a-f]{32}$/);
    expect(await json(await s.request('GET', '/api/v1/auths/api_key', { token: admin.token }))).toEqual({ api_key: k1 });
    const viaKey = await s.request('GET', '/api/v1/auths/', { token: k1 });
    expect(viaKey.status).toBe(200);
    expect(await json(viaKey)).toMatchObject({ token: k1, expires_at: null, role: 'admin' });

    const k2 = (await json(await s.request('POST', '/api/v1/auths/api_key', { token: admin.token }))).api_key;
    expect(k2).not.toBe(k1);
    expect((await s.request('GET', '/api/v1/auths/', { token: k1 })).status).toBe(401);
    expect((await s.request('GET', '/api/v1/auths/', { token: k2 })).status).toBe(200);

    // Grant the permission to users: now they may create and use keys.
    const perms = await json(await s.request('GET', '/api/v1/users/default/permissions', { token: admin.token }));
    await s.request('POST', '/api/v1/users/default/permissions', { token: admin.token, body: { ...perms, features: { ...perms.features, api_keys: true } } });
    const uk = (await json(await s.request('POST', '/api/v1/auths/api_key', { token: user.token }))).api_key;
    expect((await s.request('GET', '/api/v1/users/permissions', { token: uk })).status).toBe(200);
    // Revoking the permission stops existing keys of non-admins.
    await s.request('POST', '/api/v1/users/default/permissions', { token: admin.token, body: perms });
    const denied = await s.request('GET', '/api/v1/users/permissions', { token: uk });
    expect(denied.status).toBe(403);
    expect((await json(denied)).detail).toBe('Use of API key is not enabled in the environment.');

    await s.ctx.settings.set({ ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS: true, API_KEYS_ALLOWED_ENDPOINTS: '/api/v1/auths' });
    expect((await s.request('GET', '/api/v1/auths/', { token: k2 })).status).toBe(200);
    const blocked = await s.request('GET', '/api/v1/users/permissions', { token: k2 });
    expect(blocked.status).toBe(403);
    expect((await json(blocked)).detail).toBe('API key not allowed to access this endpoint.');
    await s.ctx.settings.set({ ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS: false });

    expect(await json(await s.request('DELETE', '/api/v1/auths/api_key', { token: admin.token }))).toBe(true);
    expect((await s.request('GET', '/api/v1/auths/', { token: k2 })).status).toBe(401);
    await s.ctx.settings.set({ ENABLE_API_KEYS: false });
    expect((await s.request('GET', '/api/v1/auths/', { token: 'sk-' + '0'.repeat(32) })).status).toBe(403);
  });
});

describe('simultaneous sign-ups', () => {
  it('make exactly one admin on an empty instance, and one account per email', async () => {
    const s = await startTestServer();
    try {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => s.request('POST', '/api/v1/auths/signup', { body: { name: `U${i}`, email: `u${i}@example.com`, password: 'pw' } })),
      );
      const bodies = await Promise.all(results.map((r) => r.json() as Promise<any>));
      expect(results.every((r) => r.status === 200 || r.status === 403)).toBe(true);
      expect(bodies.filter((b) => b.role === 'admin')).toHaveLength(1);

      await s.ctx.settings.set({ ENABLE_SIGNUP: true });
      const same = await Promise.all(
        Array.from({ length: 5 }, () => s.request('POST', '/api/v1/auths/signup', { body: { name: 'Dup', email: 'Same@Example.com', password: 'pw' } })),
      );
      expect(same.filter((r) => r.status === 200)).toHaveLength(1);
      expect(same.filter((r) => r.status === 400)).toHaveLength(4);
      const rows = await s.ctx.db.kysely.selectFrom('auth').selectAll().where('email', '=', 'same@example.com').execute();
      expect(rows).toHaveLength(1);
    } finally {
      await s.close();
    }
  }, 60_000);
});

describe('sign-in rate limit shared through Redis', () => {
  it.runIf(Boolean(process.env.TEST_REDIS_URL))('counts attempts on two instances against one budget', async () => {
    const prefix = `owui-test-${Date.now()}`;
    const env = { REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_KEY_PREFIX: prefix };
    const a = await startTestServer(env);
    const b = await startTestServer(env);
    try {
      for (let i = 0; i < 15; i++) {
        const s = i % 2 ? a : b;
        expect((await signin(s, 'shared@example.com', 'wrong')).status).toBe(400);
      }
      expect((await signin(a, 'shared@example.com', 'wrong')).status).toBe(429);
      expect((await signin(b, 'SHARED@example.com', 'wrong')).status).toBe(429);
      expect((await signin(b, 'someone-else@example.com', 'wrong')).status).toBe(400);
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);
});

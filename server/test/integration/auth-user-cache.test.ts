import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * The authenticated user is remembered between requests on SQLite (modules/auths/session.ts), keyed
 * by the database's change stamp. These prove that every change to who a token belongs to is honoured
 * by the very next request, whether made through this process or another one sharing the database
 * (on PostgreSQL the cache is off and the same tests hold).
 */
const json = (r: Response) => r.json() as Promise<any>;

async function me(s: TestServer, token: string): Promise<{ status: number; role?: string; name?: string }> {
  const r = await s.request('GET', '/api/v1/auths/', { token });
  const body = await json(r);
  return { status: r.status, role: body.role, name: body.name };
}

/** A few requests in a row, so the second and later ones are served from the cache where it is on. */
async function warm(s: TestServer, token: string): Promise<void> {
  for (let i = 0; i < 3; i++) expect((await me(s, token)).status).toBe(200);
}

describe('authenticated user cache: changes are seen by the next request', () => {
  let a: TestServer;
  let b: TestServer;
  let admin: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    a = await startTestServer();
    // A second server on the same database: SQLite file (DATA_DIR) or the same PostgreSQL database.
    const db = a.ctx.config.database;
    b = await startTestServer({ DATA_DIR: a.dataDir, ...(db.dialect === 'postgres' ? { DATABASE_URL: db.url } : {}) });
    admin = await createUser(a.ctx, { role: 'admin', email: 'cache-admin@example.com' });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('reports whether the database offers an exact change stamp', () => {
    if (a.ctx.db.dialect === 'sqlite') expect(typeof a.ctx.db.changeStamp?.()).toBe('number');
    else expect(a.ctx.db.changeStamp).toBeUndefined();
  });

  for (const [where, other] of [
    ['this process', () => a],
    ['another server on the same database', () => b],
  ] as const) {
    it(`role change made by ${where}`, async () => {
      const u = await createUser(a.ctx, { role: 'user' });
      await warm(a, u.token);
      expect((await a.request('GET', '/api/v1/users/', { token: u.token })).status).toBe(401);
      expect((await other().request('POST', '/api/v1/users/update/role', { token: admin.token, body: { id: u.user.id, role: 'admin' } })).status).toBe(200);
      expect((await me(a, u.token)).role).toBe('admin');
      expect((await a.request('GET', '/api/v1/users/', { token: u.token })).status).toBe(200);
    });

    it(`deactivation (role pending) made by ${where}`, async () => {
      const u = await createUser(a.ctx, { role: 'user' });
      await warm(a, u.token);
      expect((await a.request('GET', '/api/v1/chats/?page=1', { token: u.token })).status).toBe(200);
      expect((await other().request('POST', '/api/v1/users/update/role', { token: admin.token, body: { id: u.user.id, role: 'pending' } })).status).toBe(200);
      expect((await me(a, u.token)).role).toBe('pending');
      expect((await a.request('GET', '/api/v1/chats/?page=1', { token: u.token })).status).toBe(401);
    });

    it(`deletion made by ${where}`, async () => {
      const u = await createUser(a.ctx, { role: 'user' });
      await warm(a, u.token);
      expect((await other().request('DELETE', `/api/v1/users/${u.user.id}`, { token: admin.token })).status).toBe(200);
      expect((await me(a, u.token)).status).toBe(401);
    });

    it(`sign-out made through ${where}`, async () => {
      const u = await createUser(a.ctx, { role: 'user' });
      await warm(a, u.token);
      expect((await other().request('GET', '/api/v1/auths/signout', { token: u.token })).status).toBe(200);
      expect((await me(a, u.token)).status).toBe(401);
    });

    it(`password change made through ${where} voids older tokens`, async () => {
      const u = await createUser(a.ctx, { role: 'user', password: 'old-password' });
      await warm(a, u.token);
      // A token issued later in the same process, used to make the change.
      const signin = await json(await other().request('POST', '/api/v1/auths/signin', { body: { email: u.user.email, password: 'old-password' } }));
      const ok = await other().request('POST', '/api/v1/auths/update/password', { token: signin.token, body: { password: 'old-password', new_password: 'new-password' } });
      expect(ok.status).toBe(200);
      expect((await me(a, u.token)).status).toBe(401);
    });

    it(`profile change made by ${where}`, async () => {
      const u = await createUser(a.ctx, { role: 'user', name: 'Before' });
      await warm(a, u.token);
      const r = await other().request('POST', `/api/v1/users/${u.user.id}/update`, {
        token: admin.token,
        body: { role: 'user', name: 'After', email: u.user.email, profile_image_url: '/user.png' },
      });
      expect(r.status).toBe(200);
      expect((await me(a, u.token)).name).toBe('After');
    });
  }

  it('sees a write that lands while a lookup is under way', async () => {
    const u = await createUser(a.ctx, { role: 'user' });
    await warm(a, u.token);
    // The role changes in the same tick as a request starts; the request after it must see it.
    const during = me(a, u.token);
    const change = b.request('POST', '/api/v1/users/update/role', { token: admin.token, body: { id: u.user.id, role: 'admin' } });
    await Promise.all([during, change]);
    expect((await me(a, u.token)).role).toBe('admin');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const json = (r: Response) => r.json() as Promise<any>;

describe('users: listing, roles, primary admin, settings, permissions', () => {
  let s: TestServer;
  let primary: Awaited<ReturnType<typeof createUser>>;
  let admin2: Awaited<ReturnType<typeof createUser>>;
  let alice: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    s = await startTestServer();
    primary = await createUser(s.ctx, { role: 'admin', name: 'Primary', email: 'primary@example.com' });
    admin2 = await createUser(s.ctx, { role: 'admin', name: 'Second Admin', email: 'admin2@example.com' });
    alice = await createUser(s.ctx, { role: 'user', name: 'Alice Ünïcode', email: 'alice@example.com' });
    for (let i = 0; i < 32; i++) await createUser(s.ctx, { role: 'pending', name: `Filler ${i}`, email: `filler${i}@example.com` });
  });
  afterAll(() => s.close());

  it('lists users with query, order, direction, pages and total, without API keys', async () => {
    const page1 = await json(await s.request('GET', '/api/v1/users/?page=1', { token: primary.token }));
    expect(page1.total).toBe(35);
    expect(page1.users).toHaveLength(30);
    expect(page1.users[0]).toMatchObject({ email: 'primary@example.com', group_ids: [] });
    expect(page1.users[0]).not.toHaveProperty('api_key');
    const page2 = await json(await s.request('GET', '/api/v1/users/?page=2', { token: primary.token }));
    expect(page2.users).toHaveLength(5);

    const q = await json(await s.request('GET', '/api/v1/users/?query=ALICE', { token: primary.token }));
    expect(q.total).toBe(1);
    expect(q.users[0].name).toBe('Alice Ünïcode');
    const like = await json(await s.request('GET', `/api/v1/users/?query=${encodeURIComponent('%')}`, { token: primary.token }));
    expect(like.total).toBe(0);

    const byName = await json(await s.request('GET', '/api/v1/users/?order_by=name&direction=desc', { token: primary.token }));
    expect(byName.users[0].name).toBe('Second Admin');
    const bad = await s.request('GET', '/api/v1/users/?direction=sideways', { token: primary.token });
    expect(bad.status).toBe(422);
    const badPage = await s.request('GET', '/api/v1/users/?page=abc', { token: primary.token });
    expect(badPage.status).toBe(422);

    const all = await json(await s.request('GET', '/api/v1/users/all', { token: primary.token }));
    expect(all.users).toHaveLength(35);
    expect((await s.request('GET', '/api/v1/users/', { token: alice.token })).status).toBe(401);
  });

  it('shows public info of a user to verified users', async () => {
    const res = await s.request('GET', `/api/v1/users/${primary.user.id}`, { token: alice.token });
    expect(await json(res)).toEqual({ name: 'Primary', profile_image_url: '/user.png', active: expect.any(Boolean) });
    const missing = await s.request('GET', '/api/v1/users/does-not-exist', { token: alice.token });
    expect(missing.status).toBe(400);
    expect((await json(missing)).detail).toMatch(/could not find/);
  });

  it('changes roles but never for the primary admin or oneself', async () => {
    const bob = await createUser(s.ctx, { role: 'pending', email: 'bob-role@example.com' });
    const ok = await s.request('POST', '/api/v1/users/update/role', { token: admin2.token, body: { id: bob.user.id, role: 'user' } });
    expect(ok.status).toBe(200);
    expect((await json(ok)).role).toBe('user');
    expect((await s.request('GET', '/api/v1/users/permissions', { token: bob.token })).status).toBe(200);

    const demotePrimary = await s.request('POST', '/api/v1/users/update/role', { token: admin2.token, body: { id: primary.user.id, role: 'user' } });
    expect(demotePrimary.status).toBe(403);
    expect((await json(demotePrimary)).detail).toMatch(/restricted as a security measure/);
    const self = await s.request('POST', '/api/v1/users/update/role', { token: admin2.token, body: { id: admin2.user.id, role: 'user' } });
    expect(self.status).toBe(403);
    const badRole = await s.request('POST', '/api/v1/users/update/role', { token: admin2.token, body: { id: bob.user.id, role: 'root' } });
    expect(badRole.status).toBe(422);
  });

  it('updates a user (name, email, role, password) with EMAIL_TAKEN and primary-admin protection', async () => {
    const carol = await createUser(s.ctx, { role: 'user', email: 'carol@example.com' });
    const base = { role: 'user', name: 'Carol ✨', email: 'Carol.New@Example.com', profile_image_url: '/user.png' };
    const res = await s.request('POST', `/api/v1/users/${carol.user.id}/update`, { token: admin2.token, body: { ...base, password: 'brand-new' } });
    expect(res.status).toBe(200);
    const updated = await json(res);
    expect(updated).toMatchObject({ name: 'Carol ✨', email: 'carol.new@example.com', role: 'user' });
    expect(updated).not.toHaveProperty('api_key');
    // Her old session dies with the password change; the new password signs in under the new email.
    expect((await s.request('GET', '/api/v1/auths/', { token: carol.token })).status).toBe(401);
    expect((await s.request('POST', '/api/v1/auths/signin', { body: { email: 'carol.new@example.com', password: 'brand-new' } })).status).toBe(200);

    const taken = await s.request('POST', `/api/v1/users/${carol.user.id}/update`, { token: admin2.token, body: { ...base, email: 'ALICE@example.com' } });
    expect(taken.status).toBe(400);
    expect((await json(taken)).detail).toMatch(/already registered/);
    const badEmail = await s.request('POST', `/api/v1/users/${carol.user.id}/update`, { token: admin2.token, body: { ...base, email: 'not-an-email' } });
    expect(badEmail.status).toBe(400);

    const editPrimary = await s.request('POST', `/api/v1/users/${primary.user.id}/update`, {
      token: admin2.token,
      body: { role: 'admin', name: 'Hijacked', email: 'primary@example.com', profile_image_url: '/user.png' },
    });
    expect(editPrimary.status).toBe(403);
    const selfDemote = await s.request('POST', `/api/v1/users/${primary.user.id}/update`, {
      token: primary.token,
      body: { role: 'user', name: 'Primary', email: 'primary@example.com', profile_image_url: '/user.png' },
    });
    expect(selfDemote.status).toBe(403);
    const selfEdit = await s.request('POST', `/api/v1/users/${primary.user.id}/update`, {
      token: primary.token,
      body: { role: 'admin', name: 'Primary Renamed', email: 'primary@example.com', profile_image_url: '/user.png' },
    });
    expect(selfEdit.status).toBe(200);
  });

  it('deletes users with their credentials and chats, but never the primary admin or oneself', async () => {
    const dave = await createUser(s.ctx, { role: 'user', email: 'dave@example.com' });
    const now = Math.floor(Date.now() / 1000);
    await s.ctx.db.kysely
      .insertInto('chat')
      .values({ id: 'dave-chat', user_id: dave.user.id, title: 't', chat: '{}', created_at: now, updated_at: now, share_id: null, archived: false, pinned: false, meta: '{}', folder_id: null })
      .execute();
    const shared = await s.request('GET', '/api/v1/users/shared-dave-chat', { token: alice.token });
    expect((await json(shared)).name).toBe(dave.user.name);

    expect((await s.request('DELETE', `/api/v1/users/${primary.user.id}`, { token: admin2.token })).status).toBe(403);
    expect((await s.request('DELETE', `/api/v1/users/${admin2.user.id}`, { token: admin2.token })).status).toBe(403);
    expect((await s.request('DELETE', `/api/v1/users/${dave.user.id}`, { token: alice.token })).status).toBe(401);
    const del = await s.request('DELETE', `/api/v1/users/${dave.user.id}`, { token: admin2.token });
    expect(del.status).toBe(200);
    expect(await json(del)).toBe(true);
    expect((await s.request('GET', '/api/v1/auths/', { token: dave.token })).status).toBe(401);
    expect(await s.ctx.db.kysely.selectFrom('auth').selectAll().where('id', '=', dave.user.id).execute()).toEqual([]);
    expect(await s.ctx.db.kysely.selectFrom('chat').selectAll().where('user_id', '=', dave.user.id).execute()).toEqual([]);
    expect((await s.request('DELETE', `/api/v1/users/${dave.user.id}`, { token: admin2.token })).status).toBe(400);
  });

  it('stores user settings and info; strips toolServers without permission', async () => {
    expect(await json(await s.request('GET', '/api/v1/users/user/settings', { token: alice.token }))).toBeNull();
    const saved = await json(
      await s.request('POST', '/api/v1/users/user/settings/update', { token: alice.token, body: { ui: { theme: 'dark', toolServers: [{ url: 'x' }] }, extra: 1 } }),
    );
    expect(saved).toEqual({ ui: { theme: 'dark' }, extra: 1 });
    expect(await json(await s.request('GET', '/api/v1/users/user/settings', { token: alice.token }))).toEqual(saved);
    const adminSaved = await json(await s.request('POST', '/api/v1/users/user/settings/update', { token: admin2.token, body: { ui: { toolServers: [] } } }));
    expect(adminSaved.ui.toolServers).toEqual([]);
    expect((await s.request('POST', '/api/v1/users/user/settings/update', { token: alice.token, body: { ui: 'dark' } })).status).toBe(422);

    await s.request('POST', '/api/v1/users/user/info/update', { token: alice.token, body: { a: 1 } });
    const merged = await json(await s.request('POST', '/api/v1/users/user/info/update', { token: alice.token, body: { b: '二' } }));
    expect(merged).toEqual({ a: 1, b: '二' });
    expect(await json(await s.request('GET', '/api/v1/users/user/info', { token: alice.token }))).toEqual({ a: 1, b: '二' });
  });

  it('serves and saves the default permission tree, used by /users/permissions and /api/config', async () => {
    const defaults = await json(await s.request('GET', '/api/v1/users/default/permissions', { token: primary.token }));
    expect(Object.keys(defaults).sort()).toEqual(['chat', 'features', 'sharing', 'workspace']);
    expect(defaults.features.api_keys).toBe(false);
    expect((await s.request('GET', '/api/v1/users/default/permissions', { token: alice.token })).status).toBe(401);

    const next = { ...defaults, features: { ...defaults.features, api_keys: true }, chat: { delete: false } };
    const saved = await json(await s.request('POST', '/api/v1/users/default/permissions', { token: primary.token, body: next }));
    expect(saved.features.api_keys).toBe(true);
    expect(saved.chat.delete).toBe(false);
    expect(saved.chat.edit).toBe(true); // missing flags keep their defaults
    const mine = await json(await s.request('GET', '/api/v1/users/permissions', { token: alice.token }));
    expect(mine.features.api_keys).toBe(true);
    const cfg = await json(await s.request('GET', '/api/config', { token: alice.token }));
    expect(cfg.permissions.features.api_keys).toBe(true);
    expect((await s.request('POST', '/api/v1/users/default/permissions', { token: primary.token, body: { workspace: {} } })).status).toBe(422);
  });
});

import bcrypt from 'bcryptjs';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const json = (r: Response) => r.json() as Promise<any>;

async function signup(s: TestServer, body: Record<string, unknown>) {
  return s.request('POST', '/api/v1/auths/signup', { body });
}
async function signin(s: TestServer, email: string, password: string) {
  return s.request('POST', '/api/v1/auths/signin', { body: { email, password } });
}

describe('accounts: sign-up, sign-in, sessions', () => {
  let s: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  it('makes the first account an admin, sets the cookie and closes sign-up', async () => {
    const res = await signup(s, { name: 'Ada', email: 'Ada@Example.com', password: 'pw-ada-1' });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ token_type: 'Bearer', email: 'ada@example.com', name: 'Ada', role: 'admin', profile_image_url: '/user.png' });
    expect(typeof body.token).toBe('string');
    expect(body.expires_at).toBeGreaterThan(Date.now() / 1000 + 27 * 86400);
    expect(body.permissions.features.api_keys).toBe(false);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^token=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Expires=/i);
    adminToken = body.token;
    expect(s.ctx.settings.get('ENABLE_SIGNUP')).toBe(false);
    const cfg = await json(await s.request('GET', '/api/config'));
    expect(cfg.features.enable_signup).toBe(false);

    const closed = await signup(s, { name: 'B', email: 'b@example.com', password: 'x' });
    expect(closed.status).toBe(403);
    expect((await json(closed)).detail).toMatch(/do not have permission/);
  });

  it('gives later accounts DEFAULT_USER_ROLE (pending) once sign-up is reopened', async () => {
    await s.ctx.settings.set({ ENABLE_SIGNUP: true });
    const res = await signup(s, { name: 'Bob', email: 'bob@example.com', password: 'pw-bob' });
    expect(res.status).toBe(200);
    const bob = await json(res);
    expect(bob.role).toBe('pending');
    // Pending users read their own session but nothing verified.
    const me = await s.request('GET', '/api/v1/auths/', { token: bob.token });
    expect(me.status).toBe(200);
    expect((await json(me)).role).toBe('pending');
    const refused = await s.request('GET', '/api/v1/users/permissions', { token: bob.token });
    expect(refused.status).toBe(401);
    expect((await json(refused)).detail).toMatch(/do not have permission/);
  });

  it('treats emails case-insensitively and refuses duplicates with EMAIL_TAKEN', async () => {
    const res = await signup(s, { name: 'Bobby', email: 'BOB@example.COM', password: 'pw' });
    expect(res.status).toBe(400);
    expect((await json(res)).detail).toMatch(/already registered/);
    const ok = await signin(s, 'BoB@Example.com', 'pw-bob');
    expect(ok.status).toBe(200);
  });

  it('refuses malformed emails with INVALID_EMAIL_FORMAT and accepts @localhost', async () => {
    for (const email of ['nope', 'a@b', 'a b@c.de', '@x.io', 'a@@b.io', 'tab\t@x.io']) {
      const res = await signup(s, { name: 'x', email, password: 'pw' });
      expect(res.status, email).toBe(400);
      expect((await json(res)).detail).toMatch(/email format/);
    }
    const local = await signup(s, { name: 'Loc', email: 'me@localhost', password: 'pw' });
    expect(local.status).toBe(200);
  });

  it('handles unicode names and emails without mangling them', async () => {
    const name = 'Zoë 张伟 🦙 \u202Eevil';
    const res = await signup(s, { name, email: 'ÉLODIE@exemple.fr', password: 'pässwörd' });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.name).toBe(name);
    expect(body.email).toBe('élodie@exemple.fr');
    expect((await signin(s, 'élodie@exemple.fr', 'pässwörd')).status).toBe(200);
    const dup = await signup(s, { name: 'x', email: 'élodie@EXEMPLE.fr', password: 'p' });
    expect(dup.status).toBe(400);
  });

  it('refuses NUL characters, lone surrogates and over-long names with 422 and creates nothing', async () => {
    const before = await s.ctx.db.kysely.selectFrom('user').select(s.ctx.db.kysely.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const bad = [
      { name: 'nul\u0000name', email: 'nul@example.com', password: 'p' },
      { name: 'x', email: 'nul\u0000@example.com', password: 'p' },
      { name: '\ud800broken', email: 'sur@example.com', password: 'p' },
      { name: 'x'.repeat(256), email: 'long@example.com', password: 'p' },
    ];
    for (const b of bad) {
      const res = await signup(s, b);
      expect(res.status).toBe(422);
      expect(Array.isArray((await json(res)).detail)).toBe(true);
    }
    const after = await s.ctx.db.kysely.selectFrom('user').select(s.ctx.db.kysely.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect(await s.ctx.db.kysely.selectFrom('auth').selectAll().where('email', 'like', '%sur%').execute()).toEqual([]);
  });

  it('answers missing fields and wrong types with FastAPI-style 422 and no partial account', async () => {
    const cases: unknown[] = [{}, { name: 'x', email: 'typed@example.com' }, { name: 5, email: 'typed@example.com', password: 'p' }, { name: 'x', email: 'typed@example.com', password: ['p'] }, []];
    for (const body of cases) {
      const res = await s.request('POST', '/api/v1/auths/signup', { body });
      expect(res.status).toBe(422);
      const d = await json(res);
      expect(d.detail[0]).toHaveProperty('loc');
      expect(d.detail[0].loc[0]).toBe('body');
    }
    expect(await s.ctx.db.kysely.selectFrom('user').selectAll().where('email', '=', 'typed@example.com').execute()).toEqual([]);
    const noBody = await s.request('POST', '/api/v1/auths/signin');
    expect(noBody.status).toBe(422);
  });

  it('refuses a 10 MB body with a JSON 413 and creates nothing', async () => {
    const res = await s.request('POST', '/api/v1/auths/signup', {
      body: { name: 'big', email: 'big@example.com', password: 'p', profile_image_url: 'x'.repeat(10 * 1024 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(await json(res)).toHaveProperty('detail');
    expect(await s.ctx.db.kysely.selectFrom('user').selectAll().where('email', '=', 'big@example.com').execute()).toEqual([]);
  });

  it('enforces the 72-byte password rule on sign-up and truncates on sign-in', async () => {
    const long = 'é'.repeat(37); // 74 bytes, 37 characters
    const res = await signup(s, { name: 'L', email: 'long-pw@example.com', password: long });
    expect(res.status).toBe(400);
    expect((await json(res)).detail).toMatch(/less than 72 bytes/);
    expect(await s.ctx.db.kysely.selectFrom('user').selectAll().where('email', '=', 'long-pw@example.com').execute()).toEqual([]);

    const exact = 'a'.repeat(72);
    expect((await signup(s, { name: 'L', email: 'pw72@example.com', password: exact })).status).toBe(200);
    // bcrypt only reads 72 bytes: anything appended is ignored at sign-in, as in the original.
    expect((await signin(s, 'pw72@example.com', exact + 'tail')).status).toBe(200);
  });

  it('signs in with a $2b$ hash written by the original (Python bcrypt)', async () => {
    const { user } = await createUser(s.ctx, { email: 'imported@example.com' });
    const hash = bcrypt.hashSync('from-python', 4).replace(/^\$2a\$/, '$2b$');
    expect(hash.startsWith('$2b$')).toBe(true);
    await s.ctx.db.kysely.updateTable('auth').set({ password: hash }).where('id', '=', user.id).execute();
    expect((await signin(s, 'imported@example.com', 'from-python')).status).toBe(200);
    expect((await signin(s, 'imported@example.com', 'wrong')).status).toBe(400);
  });

  it('rejects wrong credentials with INVALID_CRED', async () => {
    const a = await signin(s, 'ada@example.com', 'nope');
    expect(a.status).toBe(400);
    expect((await json(a)).detail).toMatch(/email or password provided is incorrect/);
    const b = await signin(s, 'ghost@example.com', 'nope');
    expect(b.status).toBe(400);
    expect((await json(b)).detail).toBe((await json(await signin(s, 'ada@example.com', 'nope2'))).detail);
  });

  it('rate-limits sign-in per lowercased email: the 16th attempt gets 429, others unaffected', async () => {
    const { password } = await createUser(s.ctx, { email: 'victim@example.com' });
    for (let i = 0; i < 15; i++) {
      const r = await signin(s, i % 2 ? 'VICTIM@example.com' : 'victim@example.com', 'wrong');
      expect(r.status).toBe(400);
    }
    const limited = await signin(s, 'Victim@Example.com', password);
    expect(limited.status).toBe(429);
    expect((await json(limited)).detail).toBe('API rate limit exceeded');
    const other = await createUser(s.ctx, { email: 'bystander@example.com' });
    expect((await signin(s, 'bystander@example.com', other.password)).status).toBe(200);
  });

  it('accepts the token as Bearer header or as the token cookie; header wins', async () => {
    const viaCookie = await fetch(`${s.url}/api/v1/auths/`, { headers: { cookie: `token=${adminToken}` } });
    expect(viaCookie.status).toBe(200);
    expect((await json(viaCookie)).email).toBe('ada@example.com');
    const headerWins = await fetch(`${s.url}/api/v1/auths/`, { headers: { cookie: `token=${adminToken}`, authorization: 'Bearer garbage' } });
    expect(headerWins.status).toBe(401);
  });

  it('refuses missing, forged, expired and deleted-user tokens', async () => {
    const none = await s.request('GET', '/api/v1/auths/');
    expect(none.status).toBe(401);
    expect((await json(none)).detail).toBe('Not authenticated');

    const [h, p] = adminToken.split('.');
    const forgedSig = await s.request('GET', '/api/v1/auths/', { token: `${h}.${p}.AAAA` });
    expect(forgedSig.status).toBe(401);
    expect((await json(forgedSig)).detail).toMatch(/session has expired or the token is invalid/);

    const me = await json(await s.request('GET', '/api/v1/auths/', { token: adminToken }));
    const otherKey = new TextEncoder().encode('not-the-secret');
    const wrongKey = await new SignJWT({ id: me.id, jti: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(otherKey);
    expect((await s.request('GET', '/api/v1/auths/', { token: wrongKey })).status).toBe(401);

    const noneAlg = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ id: me.id })).toString('base64url')}.`;
    expect((await s.request('GET', '/api/v1/auths/', { token: noneAlg })).status).toBe(401);

    const key = new TextEncoder().encode('test-secret');
    const expired = await new SignJWT({ id: me.id, jti: 'e1', exp: Math.floor(Date.now() / 1000) - 10 }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect((await s.request('GET', '/api/v1/auths/', { token: expired })).status).toBe(401);

    // A token in the original's format (id + exp, no jti) still works.
    const classic = await new SignJWT({ id: me.id, exp: Math.floor(Date.now() / 1000) + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect((await s.request('GET', '/api/v1/auths/', { token: classic })).status).toBe(200);

    const ghost = await new SignJWT({ id: 'no-such-user', jti: 'g' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect((await s.request('GET', '/api/v1/auths/', { token: ghost })).status).toBe(401);
  });

  it('revokes the token on sign-out, clears the cookie, and the revocation lives in the database', async () => {
    const { token } = await json(await signin(s, 'ada@example.com', 'pw-ada-1'));
    expect((await s.request('GET', '/api/v1/auths/', { token })).status).toBe(200);
    const out = await s.request('GET', '/api/v1/auths/signout', { token });
    expect(out.status).toBe(200);
    expect(await json(out)).toEqual({ status: true });
    expect(out.headers.get('set-cookie')).toMatch(/token=;/);
    const after = await s.request('GET', '/api/v1/auths/', { token });
    expect(after.status).toBe(401);
    const rows = await s.ctx.db.kysely.selectFrom('revoked_token').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    // Other sessions of the same user keep working.
    expect((await s.request('GET', '/api/v1/auths/', { token: adminToken })).status).toBe(200);
    // Signing out anonymously is harmless.
    expect((await s.request('GET', '/api/v1/auths/signout')).status).toBe(200);
  });

  it('changes the password: wrong current one refused, every older token void, new cookie issued', async () => {
    const { user, password } = await createUser(s.ctx, { email: 'changer@example.com' });
    const t1 = (await json(await signin(s, user.email, password))).token;
    const t2 = (await json(await signin(s, user.email, password))).token;
    const wrong = await s.request('POST', '/api/v1/auths/update/password', { token: t1, body: { password: 'nope', new_password: 'new-pass' } });
    expect(wrong.status).toBe(400);
    expect((await json(wrong)).detail).toMatch(/password provided is incorrect/);

    const tooLong = await s.request('POST', '/api/v1/auths/update/password', { token: t1, body: { password, new_password: 'x'.repeat(73) } });
    expect(tooLong.status).toBe(400);

    const ok = await s.request('POST', '/api/v1/auths/update/password', { token: t1, body: { password, new_password: 'new-pass' } });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toBe(true);
    const fresh = /token=([^;]+)/.exec(ok.headers.get('set-cookie') ?? '')![1]!;
    expect((await s.request('GET', '/api/v1/auths/', { token: t1 })).status).toBe(401);
    expect((await s.request('GET', '/api/v1/auths/', { token: t2 })).status).toBe(401);
    expect((await s.request('GET', '/api/v1/auths/', { token: fresh })).status).toBe(200);
    expect((await signin(s, user.email, password)).status).toBe(400);
    const again = await json(await signin(s, user.email, 'new-pass'));
    expect((await s.request('GET', '/api/v1/auths/', { token: again.token })).status).toBe(200);
  });

  it('updates the profile of a verified user', async () => {
    const { token } = await createUser(s.ctx, { email: 'prof@example.com' });
    const res = await s.request('POST', '/api/v1/auths/update/profile', { token, body: { name: 'Renée 🌸', profile_image_url: 'data:image/png;base64,AAAA', bio: 'hi' } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ name: 'Renée 🌸', profile_image_url: 'data:image/png;base64,AAAA', bio: 'hi', email: 'prof@example.com' });
    const session = await json(await s.request('GET', '/api/v1/auths/', { token }));
    expect(session.name).toBe('Renée 🌸');
  });

  it('lets an admin add a user (pending by default) and refuses a user doing so', async () => {
    const res = await s.request('POST', '/api/v1/auths/add', { token: adminToken, body: { name: 'Added', email: 'Added@Example.com', password: 'pw-added' } });
    expect(res.status).toBe(200);
    const added = await json(res);
    expect(added).toMatchObject({ email: 'added@example.com', role: 'pending', token_type: 'Bearer' });
    expect((await s.request('GET', '/api/v1/auths/', { token: added.token })).status).toBe(200);
    const asUser = await s.request('POST', '/api/v1/auths/add', { token: (await createUser(s.ctx)).token, body: { name: 'x', email: 'x2@example.com', password: 'p' } });
    expect(asUser.status).toBe(401);
    const dup = await s.request('POST', '/api/v1/auths/add', { token: adminToken, body: { name: 'x', email: 'ADDED@example.com', password: 'p', role: 'user' } });
    expect(dup.status).toBe(400);
  });

  it('shows admin details unless SHOW_ADMIN_DETAILS is off', async () => {
    const { token } = await createUser(s.ctx);
    expect(await json(await s.request('GET', '/api/v1/auths/admin/details', { token }))).toEqual({ name: 'Ada', email: 'ada@example.com' });
    await s.ctx.settings.set({ SHOW_ADMIN_DETAILS: false });
    const hidden = await s.request('GET', '/api/v1/auths/admin/details', { token });
    expect(hidden.status).toBe(400);
    await s.ctx.settings.set({ SHOW_ADMIN_DETAILS: true });
  });

  it('reads and saves the admin auth config, ignoring a bad role or expiry like the original', async () => {
    const cfg = await json(await s.request('GET', '/api/v1/auths/admin/config', { token: adminToken }));
    expect(cfg).toMatchObject({ ENABLE_API_KEYS: false, DEFAULT_USER_ROLE: 'pending', JWT_EXPIRES_IN: '4w', SHOW_ADMIN_DETAILS: true });
    const saved = await json(
      await s.request('POST', '/api/v1/auths/admin/config', {
        token: adminToken,
        body: { ...cfg, ENABLE_SIGNUP: true, DEFAULT_USER_ROLE: 'superuser', JWT_EXPIRES_IN: '1h30m', ENABLE_API_KEYS: true },
      }),
    );
    expect(saved).toMatchObject({ ENABLE_SIGNUP: true, DEFAULT_USER_ROLE: 'pending', JWT_EXPIRES_IN: '1h30m', ENABLE_API_KEYS: true });
    const ignored = await json(await s.request('POST', '/api/v1/auths/admin/config', { token: adminToken, body: { ...saved, JWT_EXPIRES_IN: '5 years', DEFAULT_USER_ROLE: 'user' } }));
    expect(ignored).toMatchObject({ JWT_EXPIRES_IN: '1h30m', DEFAULT_USER_ROLE: 'user' });
    const session = await json(await signin(s, 'ada@example.com', 'pw-ada-1'));
    expect(session.expires_at - Date.now() / 1000).toBeGreaterThan(5300);
    expect(session.expires_at - Date.now() / 1000).toBeLessThan(5500);
    const bad = await s.request('POST', '/api/v1/auths/admin/config', { token: adminToken, body: { ENABLE_SIGNUP: 'yes' } });
    expect(bad.status).toBe(422);
    await s.request('POST', '/api/v1/auths/admin/config', { token: adminToken, body: { ...cfg } });
  });
});

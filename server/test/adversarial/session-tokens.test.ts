import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('session cookie and token revocation', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ FORWARDED_ALLOW_IPS: '127.0.0.1' });
  });
  afterAll(() => s.close());

  it('sets Secure on the cookie behind a trusted HTTPS proxy, not over plain http', async () => {
    const u = await createUser(s.ctx);
    const signin = (headers: Record<string, string>) =>
      s.request('POST', '/api/v1/auths/signin', { body: { email: u.user.email, password: u.password }, headers });
    const proxied = await signin({ 'x-forwarded-proto': 'https' });
    expect(proxied.status).toBe(200);
    expect(proxied.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    const plain = await signin({});
    expect(plain.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
  });

  it('does not trust X-Forwarded-Proto from an address outside FORWARDED_ALLOW_IPS', async () => {
    const other = await startTestServer({ FORWARDED_ALLOW_IPS: '10.9.9.9' });
    try {
      const u = await createUser(other.ctx);
      const res = await other.request('POST', '/api/v1/auths/signin', { body: { email: u.user.email, password: u.password }, headers: { 'x-forwarded-proto': 'https' } });
      expect(res.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
    } finally {
      await other.close();
    }
  });

  it('revokes on sign-out a valid token that has no jti (as Open WebUI issues them)', async () => {
    const u = await createUser(s.ctx);
    const key = new TextEncoder().encode(s.ctx.secretKey);
    const classic = await new SignJWT({ id: u.user.id, exp: Math.floor(Date.now() / 1000) + 600 }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    const twin = await new SignJWT({ id: u.user.id, exp: Math.floor(Date.now() / 1000) + 601 }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect((await s.request('GET', '/api/v1/auths/', { token: classic })).status).toBe(200);
    expect((await s.request('GET', '/api/v1/auths/signout', { token: classic })).status).toBe(200);
    expect((await s.request('GET', '/api/v1/auths/', { token: classic })).status).toBe(401);
    // Only that token: another one of the same user still works.
    expect((await s.request('GET', '/api/v1/auths/', { token: twin })).status).toBe(200);
  });
});

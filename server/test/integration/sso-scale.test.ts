/**
 * OIDC sign-in across two instances on one PostgreSQL database and one Redis (no sticky sessions): a
 * sign-in started on one instance finishes on the other, and a callback used on one is refused on the
 * other.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, startTestIdp, type TestIdp } from '../helpers/oidc-idp.js';
import { createPostgresDatabase, scaleServices } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const { redis, available } = scaleServices('sso-scale.test');

describe.skipIf(!available)('OIDC sign-in on two instances (PostgreSQL + Redis)', () => {
  let idp: TestIdp;
  let a: TestServer;
  let b: TestServer;
  let db: { url: string; drop(): Promise<void> };

  beforeAll(async () => {
    idp = await startTestIdp({
      redirectUris: () => [`${a.url}/oauth/oidc/callback`, `${b.url}/oauth/oidc/callback`],
      accounts: { alice: { password: 'alice-pw', name: 'Alice', email: 'alice@example.com' } },
    });
    db = await createPostgresDatabase();
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis,
      REDIS_KEY_PREFIX: `owui-sso-${randomBytes(4).toString('hex')}`,
      OAUTH_CLIENT_ID: idp.clientId,
      OAUTH_CLIENT_SECRET: idp.clientSecret,
      OPENID_PROVIDER_URL: idp.discoveryUrl,
      ENABLE_OAUTH_SIGNUP: 'true',
    };
    a = await startTestServer(env);
    b = await startTestServer(env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await idp?.close();
  });

  /** Signs in at the IdP from instance A and returns the callback URL addressed to A. */
  async function startOnA(browser: Browser): Promise<URL> {
    const start = await browser.follow(`${a.url}/oauth/oidc/login`, (u) => u.includes('/interaction/'));
    const posted = await browser.fetch(`${start.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'alice', password: 'alice-pw' }).toString(),
    });
    const back = await browser.chase(posted, `${start.url}/login`, (u) => u.startsWith(`${a.url}/oauth/`));
    return new URL(back.url);
  }

  const onB = (cb: URL) => `${b.url}${cb.pathname}${cb.search}`;

  it('finishes on B a sign-in started on A', async () => {
    const browser = new Browser();
    const cb = await startOnA(browser);
    browser.cookies(b.url).set('oui-oauth-flow', browser.cookies(a.url).get('oui-oauth-flow')!);
    const res = await browser.fetch(onB(cb));
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBeNull();
    const token = browser.cookies(b.url).get('token')!;
    expect((await a.request('GET', '/api/v1/auths/', { token })).status).toBe(200);
  });

  it('refuses on B a callback already used on A', async () => {
    const browser = new Browser();
    const cb = await startOnA(browser);
    const flow = browser.cookies(a.url).get('oui-oauth-flow')!;
    const first = await browser.fetch(cb.href);
    expect(new URL(first.headers.get('location')!).searchParams.get('error')).toBeNull();

    const attacker = new Browser();
    attacker.cookies(b.url).set('oui-oauth-flow', flow);
    const replay = await attacker.fetch(onB(cb));
    expect(new URL(replay.headers.get('location')!).searchParams.get('error')).toMatch(/already used/);
    expect(attacker.cookies(b.url).get('token')).toBeUndefined();
  });
});

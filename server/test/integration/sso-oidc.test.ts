/**
 * OpenID Connect sign-in against a real OpenID Provider (oidc-provider) on loopback: the whole
 * redirect flow driven with fetch (redirects followed by hand, cookies carried per origin), for the
 * happy path and for every way it must fail without a session.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowCookie } from '../../src/modules/sso/oauth.flow-cookie.js';
import { Browser, startTestIdp, type TestIdp } from '../helpers/oidc-idp.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let idp: TestIdp;
const apps: TestServer[] = [];
let main: TestServer; // signup on, role + group management on
let closed: TestServer; // signup off, merge by email on
let wrongSecret: TestServer;
let down: TestServer;
let slow: TestServer;
let publicClient: TestServer;

const oidcEnv = (extra: Record<string, string> = {}) => ({
  OAUTH_CLIENT_ID: idp.clientId,
  OAUTH_CLIENT_SECRET: idp.clientSecret,
  OPENID_PROVIDER_URL: idp.discoveryUrl,
  OAUTH_PROVIDER_NAME: 'Test IdP',
  ...extra,
});

async function start(env: Record<string, string>): Promise<TestServer> {
  const s = await startTestServer(env);
  apps.push(s);
  return s;
}

beforeAll(async () => {
  idp = await startTestIdp({
    redirectUris: () => apps.map((a) => `${a.url}/oauth/oidc/callback`),
    postLogoutRedirectUris: () => ['http://127.0.0.1/after-logout'],
    accounts: {
      alice: { password: 'alice-pw', name: 'Alice Liddell', email: 'Alice@Example.com', roles: ['user'], groups: ['staff', 'ml-team'] },
      bob: { password: 'bob-pw', name: 'Bob Admin', email: 'bob@example.com', roles: ['admin'], groups: ['ops'] },
      carol: { password: 'carol-pw', name: 'Carol IdP', email: 'carol@example.com', roles: ['user'] },
      dave: { password: 'dave-pw', name: 'Dave', email: 'dave@example.com', roles: ['guest'] },
      erin: { password: 'erin-pw', name: 'Erin', email: 'erin@example.com' },
    },
  });
  main = await start(
    oidcEnv({
      ENABLE_OAUTH_SIGNUP: 'true',
      ENABLE_OAUTH_ROLE_MANAGEMENT: 'true',
      ENABLE_OAUTH_GROUP_MANAGEMENT: 'true',
      ENABLE_OAUTH_GROUP_CREATION: 'true',
      WEBUI_AUTH_SIGNOUT_REDIRECT_URL: 'http://127.0.0.1/after-logout',
    }),
  );
  closed = await start(oidcEnv({ ENABLE_OAUTH_SIGNUP: 'false', OAUTH_MERGE_ACCOUNTS_BY_EMAIL: 'true' }));
  wrongSecret = await start(oidcEnv({ ENABLE_OAUTH_SIGNUP: 'true', OAUTH_CLIENT_SECRET: 'not-the-secret' }));
  down = await start(oidcEnv({ OPENID_PROVIDER_URL: 'http://127.0.0.1:9/.well-known/openid-configuration' }));
  slow = await start(oidcEnv({ ENABLE_OAUTH_SIGNUP: 'true', OAUTH_TIMEOUT: '1', OAUTH_ALLOWED_DOMAINS: 'corp.example, other.example' }));
  publicClient = await start(
    oidcEnv({ OAUTH_CLIENT_ID: idp.publicClientId, OAUTH_CLIENT_SECRET: '', OAUTH_CODE_CHALLENGE_METHOD: 'S256', ENABLE_OAUTH_SIGNUP: 'true' }),
  );
  // An admin made with a password first, so IdP users are not "the first account".
  for (const s of [main, closed, wrongSecret, slow]) {
    const r = await s.request('POST', '/api/v1/auths/signup', { body: { name: 'Root', email: 'root@example.com', password: 'root-password-1' } });
    expect(r.status).toBe(200);
  }
}, 60_000);

afterAll(async () => {
  for (const s of apps) await s.close();
  await idp?.close();
});

/** Starts at the app's login URL, signs in at the IdP's form, stops at the app's callback URL. */
async function toCallback(app: TestServer, login: string, password: string, browser = new Browser()) {
  const start = await browser.follow(`${app.url}/oauth/oidc/login`, (u) => u.includes('/interaction/'));
  expect(start.url, 'the app sends the browser to the IdP login form').toContain('/interaction/');
  const form = await browser.fetch(start.url);
  expect(form.status).toBe(200);
  expect(await form.text()).toContain('name="password"');
  const posted = await browser.fetch(`${start.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login, password }).toString(),
  });
  const back = await browser.chase(posted, `${start.url}/login`, (u) => u.startsWith(`${app.url}/oauth/`));
  expect(back.url).toContain(`${app.url}/oauth/oidc/callback?`);
  return { browser, callbackUrl: back.url };
}

async function finish(app: TestServer, browser: Browser, callbackUrl: string) {
  const res = await browser.fetch(callbackUrl);
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!, app.url);
  expect(location.pathname).toBe('/auth');
  return { error: location.searchParams.get('error'), token: browser.cookies(app.url).get('token') ?? null, res };
}

async function signIn(app: TestServer, login: string, password: string) {
  const { browser, callbackUrl } = await toCallback(app, login, password);
  return { browser, callbackUrl, ...(await finish(app, browser, callbackUrl)) };
}

async function me(app: TestServer, token: string) {
  const r = await app.request('GET', '/api/v1/auths/', { token });
  expect(r.status).toBe(200);
  return (await r.json()) as { id: string; name: string; email: string; role: string };
}

describe('OIDC sign-in (oidc-provider)', () => {
  it('advertises the provider in /api/config', async () => {
    const cfg = (await (await main.request('GET', '/api/config')).json()) as { oauth: { providers: Record<string, string> } };
    expect(cfg.oauth.providers).toEqual({ oidc: 'Test IdP' });
  });

  it('sends the browser to the IdP with PKCE (S256), state and nonce, and keeps the flow in an httponly cookie', async () => {
    const res = await fetch(`${main.url}/oauth/oidc/login`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin).toBe(idp.issuer);
    expect(to.searchParams.get('client_id')).toBe(idp.clientId);
    expect(to.searchParams.get('redirect_uri')).toBe(`${main.url}/oauth/oidc/callback`);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(to.searchParams.get('state')).toBeTruthy();
    expect(to.searchParams.get('nonce')).toBeTruthy();
    const flow = res.headers.getSetCookie().find((c) => c.startsWith('oui-oauth-flow='))!;
    expect(flow).toMatch(/HttpOnly/i);
    expect(flow).toMatch(/Path=\/oauth/);
    expect(flow).not.toContain(to.searchParams.get('state')!); // sealed, not readable
  });

  it('signs a new person up with their IdP name and email, hands the token over in a cookie and redirects to /auth', async () => {
    const r = await signIn(main, 'alice', 'alice-pw');
    expect(r.error).toBeNull();
    expect(r.token).toBeTruthy();
    const tokenCookie = r.res.headers.getSetCookie().find((c) => c.startsWith('token='))!;
    expect(tokenCookie).not.toMatch(/HttpOnly/i); // the original UI reads it from JavaScript
    expect(r.res.headers.getSetCookie().some((c) => c.startsWith('oauth_session_id='))).toBe(true);
    const user = await me(main, r.token!);
    expect(user).toMatchObject({ name: 'Alice Liddell', email: 'alice@example.com', role: 'user' });
    const row = await main.ctx.db.kysely.selectFrom('user').select(['oauth_sub']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.oauth_sub).toBe('oidc@alice');
    // The groups claim creates the IdP's groups and makes the person a member of them.
    const groups = await main.ctx.db.kysely.selectFrom('group').select(['name', 'user_ids']).execute();
    const memberOf = groups.filter((g) => String(g.user_ids).includes(user.id)).map((g) => g.name).sort();
    expect(memberOf).toEqual(['ml-team', 'staff']);

    // The one-time code and the state never reach the logs (request lines are redacted).
    const cb = new URL(r.callbackUrl);
    expect(main.logs()).toContain('/oauth/oidc/callback?');
    expect(main.logs()).not.toContain(cb.searchParams.get('code')!);
    expect(main.logs()).not.toContain(cb.searchParams.get('state')!);

    // A second sign-in finds the same account by its subject.
    const again = await signIn(main, 'alice', 'alice-pw');
    expect((await me(main, again.token!)).id).toBe(user.id);
  });

  it('makes an IdP admin an admin (ENABLE_OAUTH_ROLE_MANAGEMENT) and skips group sync for admins', async () => {
    const before = main.logs().length;
    const r = await signIn(main, 'bob', 'bob-pw');
    expect(r.error).toBeNull();
    expect((await me(main, r.token!)).role).toBe('admin');
    expect(main.logs().slice(before)).not.toContain('"ops"');
  });

  it('gives DEFAULT_USER_ROLE (pending) when no allowed role is in the claim', async () => {
    const r = await signIn(main, 'dave', 'dave-pw');
    expect((await me(main, r.token!)).role).toBe('pending');
  });

  it('signs in as a public client (no secret, OAUTH_CODE_CHALLENGE_METHOD=S256)', async () => {
    const r = await signIn(publicClient, 'erin', 'erin-pw');
    expect(r.error).toBeNull();
    expect((await me(publicClient, r.token!)).email).toBe('erin@example.com');
  });

  it('an admin can delete an account that signed in through the IdP (its oauth_session goes with it)', async () => {
    const r = await signIn(main, 'dave', 'dave-pw');
    const dave = await me(main, r.token!);
    expect(await main.ctx.db.kysely.selectFrom('oauth_session').select('id').where('user_id', '=', dave.id).execute()).toHaveLength(1);
    const admin = (await (await main.request('POST', '/api/v1/auths/signin', { body: { email: 'root@example.com', password: 'root-password-1' } })).json()) as { token: string };
    expect((await main.request('DELETE', `/api/v1/users/${dave.id}`, { token: admin.token })).status).toBe(200);
    expect(await main.ctx.db.kysely.selectFrom('oauth_session').select('id').where('user_id', '=', dave.id).execute()).toHaveLength(0);
  });

  it('refuses a new person when ENABLE_OAUTH_SIGNUP is off: message on /auth, no session', async () => {
    const r = await signIn(closed, 'erin', 'erin-pw');
    expect(r.error).toMatch(/do not have permission/);
    expect(r.token).toBeNull();
    expect(await closed.ctx.db.kysely.selectFrom('user').select('id').where('email', '=', 'erin@example.com').executeTakeFirst()).toBeUndefined();
  });

  it('merges into the existing account with the same email when OAUTH_MERGE_ACCOUNTS_BY_EMAIL is on', async () => {
    const signup = await closed.request('POST', '/api/v1/auths/add', {
      token: ((await (await closed.request('POST', '/api/v1/auths/signin', { body: { email: 'root@example.com', password: 'root-password-1' } })).json()) as { token: string }).token,
      body: { name: 'Carol Local', email: 'carol@example.com', password: 'carol-local-1', role: 'user' },
    });
    expect(signup.status).toBe(200);
    const local = (await signup.json()) as { id: string };
    const r = await signIn(closed, 'carol', 'carol-pw');
    expect(r.error).toBeNull();
    const user = await me(closed, r.token!);
    expect(user.id).toBe(local.id);
    expect(user.name).toBe('Carol Local');
  });

  it('without merging, an IdP email that an account already has is refused', async () => {
    const admin = (await (await main.request('POST', '/api/v1/auths/signin', { body: { email: 'root@example.com', password: 'root-password-1' } })).json()) as { token: string };
    await main.request('POST', '/api/v1/auths/add', { token: admin.token, body: { name: 'Carol Local', email: 'carol@example.com', password: 'carol-local-1' } });
    const r = await signIn(main, 'carol', 'carol-pw');
    expect(r.error).toMatch(/already registered/);
    expect(r.token).toBeNull();
  });

  it('refuses a tampered state and a callback without the flow cookie', async () => {
    const { browser, callbackUrl } = await toCallback(main, 'alice', 'alice-pw');
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('state', 'attacker-state');
    const r = await finish(main, browser, tampered.href);
    expect(r.error).toMatch(/expired or does not match/);
    expect(r.token).toBeNull();

    const { callbackUrl: other } = await toCallback(main, 'alice', 'alice-pw');
    const stranger = new Browser(); // the victim's callback URL opened in another browser
    const r2 = await finish(main, stranger, other);
    expect(r2.error).toMatch(/expired or does not match/);
    expect(r2.token).toBeNull();
  });

  it('checks the nonce and the PKCE verifier (flow cookie re-sealed with the server key and one value changed)', async () => {
    const flows = new FlowCookie('test-secret'); // startTestServer's WEBUI_SECRET_KEY
    for (const [field, expected] of [
      ['nonce', /could not be verified.*nonce/],
      ['codeVerifier', /refused the sign-in \(invalid_grant/],
    ] as const) {
      const { browser, callbackUrl } = await toCallback(main, 'alice', 'alice-pw');
      const jar = browser.cookies(main.url);
      const flow = (await flows.open(jar.get('oui-oauth-flow')))!;
      expect(flow).toBeTruthy();
      jar.set('oui-oauth-flow', await flows.seal({ ...flow, [field]: 'x'.repeat(43) }));
      const r = await finish(main, browser, callbackUrl);
      expect(r.error).toMatch(expected);
      expect(r.token).toBeNull();
    }
  });

  it('refuses a replayed callback (same code, same state, same flow cookie)', async () => {
    const { browser, callbackUrl } = await toCallback(main, 'alice', 'alice-pw');
    const flowCookie = browser.cookies(main.url).get('oui-oauth-flow')!;
    const first = await finish(main, browser, callbackUrl);
    expect(first.error).toBeNull();

    const attacker = new Browser();
    attacker.cookies(main.url).set('oui-oauth-flow', flowCookie);
    const replay = await finish(main, attacker, callbackUrl);
    expect(replay.error).toMatch(/already used/);
    expect(replay.token).toBeNull();
  });

  it('reports an IdP refusal (wrong client secret) on /auth, without a session', async () => {
    const r = await signIn(wrongSecret, 'alice', 'alice-pw');
    expect(r.error).toMatch(/identity provider refused the sign-in \(invalid_client/);
    expect(r.token).toBeNull();
    expect(wrongSecret.logs()).not.toContain('not-the-secret');
  });

  it('reports an IdP that is down within moments', async () => {
    const t0 = Date.now();
    const res = await fetch(`${down.url}/oauth/oidc/login`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.pathname).toBe('/auth');
    expect(to.searchParams.get('error')).toBe('Could not reach the identity provider. Please try again later.');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('token='))).toBe(false);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('reports an IdP whose discovery document is broken (5xx HTML)', async () => {
    const broken = http.createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<h1>Service Unavailable</h1>');
    });
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
    const s = await start(oidcEnv({ OPENID_PROVIDER_URL: `http://127.0.0.1:${(broken.address() as AddressInfo).port}/.well-known/openid-configuration` }));
    try {
      const res = await fetch(`${s.url}/oauth/oidc/login`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('error')).toMatch(/^The identity provider's configuration could not be loaded/);
    } finally {
      broken.close();
    }
  });

  it('gives up on a slow IdP after OAUTH_TIMEOUT, at discovery and at the token exchange', async () => {
    idp.delay.ms = 3000;
    idp.delay.paths = ['/.well-known'];
    try {
      const t0 = Date.now();
      const res = await fetch(`${slow.url}/oauth/oidc/login`, { redirect: 'manual' });
      expect(new URL(res.headers.get('location')!).searchParams.get('error')).toMatch(/did not answer in time/);
      expect(Date.now() - t0).toBeLessThan(2500);
    } finally {
      idp.delay.ms = 0;
    }
    const { browser, callbackUrl } = await toCallback(slow, 'alice', 'alice-pw');
    idp.delay.ms = 3000;
    idp.delay.paths = ['/token'];
    try {
      const t0 = Date.now();
      const r = await finish(slow, browser, callbackUrl);
      expect(r.error).toMatch(/did not answer in time/);
      expect(r.token).toBeNull();
      expect(Date.now() - t0).toBeLessThan(2500);
    } finally {
      idp.delay.ms = 0;
    }
  });

  it('refuses an email domain outside OAUTH_ALLOWED_DOMAINS', async () => {
    const r = await signIn(slow, 'alice', 'alice-pw');
    expect(r.error).toBe('Accounts of this email domain may not sign in here (OAUTH_ALLOWED_DOMAINS).');
    expect(r.token).toBeNull();
  });

  it('signs out at the IdP end-session endpoint with the id token as hint', async () => {
    const r = await signIn(main, 'alice', 'alice-pw');
    const res = await r.browser.fetch(`${main.url}/api/v1/auths/signout`, { headers: { authorization: `Bearer ${r.token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: boolean; redirect_url?: string };
    const url = new URL(body.redirect_url!);
    expect(url.origin).toBe(idp.issuer);
    expect(url.pathname).toMatch(/session\/end/);
    expect(url.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe('http://127.0.0.1/after-logout');
    // The token is void afterwards.
    expect((await main.request('GET', '/api/v1/auths/', { token: r.token! })).status).toBe(401);
  });

  it('answers 404 for a provider that is not configured, including prototype names', async () => {
    for (const name of ['google', '__proto__', 'constructor']) {
      const res = await fetch(`${main.url}/oauth/${name}/login`, { redirect: 'manual' });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ detail: 'Not Found' });
    }
  });
});

/**
 * GitHub sign-in (plain OAuth 2, no discovery) through the real routes against a scripted GitHub:
 * numeric `id` as subject, the private primary address from /user/emails, GitHub's 200-with-error
 * token answers. The provider's fixed github.com endpoints are pointed at the fake on the service.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { perContext } from '../../src/context.js';
import { OAuthService } from '../../src/modules/sso/oauth.service.js';
import { startFakeGithub, type FakeGithub } from '../fakes/fake-github.js';
import { Browser } from '../helpers/oidc-idp.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let gh: FakeGithub;
let app: TestServer;

beforeAll(async () => {
  gh = await startFakeGithub({
    clientId: 'gh-client',
    clientSecret: 'gh-secret',
    user: { id: 4242, login: 'octocat', name: 'The Octocat', email: null, avatar_url: 'https://avatars.example/u/4242' },
    emails: [
      { email: 'octo@public.example', primary: false, verified: true },
      { email: 'Octo@Private.example', primary: true, verified: true },
    ],
  });
  app = await startTestServer({ GITHUB_CLIENT_ID: 'gh-client', GITHUB_CLIENT_SECRET: 'gh-secret', ENABLE_OAUTH_SIGNUP: 'true' });
  perContext(app.ctx, OAuthService).providers.get('github')!.endpoints = gh.endpoints;
  await app.request('POST', '/api/v1/auths/signup', { body: { name: 'Root', email: 'root@example.com', password: 'root-password-1' } });
});
afterAll(async () => {
  await app?.close();
  await gh?.close();
});

async function flow(browser = new Browser()) {
  const r = await browser.follow(`${app.url}/oauth/github/login`, (u) => u.startsWith(`${app.url}/oauth/github/callback`));
  expect(r.url).toContain('/oauth/github/callback?code=');
  return { browser, callbackUrl: r.url };
}

it('is advertised as github', async () => {
  const cfg = (await (await app.request('GET', '/api/config')).json()) as { oauth: { providers: Record<string, string> } };
  expect(cfg.oauth.providers).toEqual({ github: 'github' });
});

it('signs up with the numeric id as subject and the primary address from /user/emails', async () => {
  const { browser, callbackUrl } = await flow();
  const res = await browser.fetch(callbackUrl);
  expect(res.headers.get('location')).toBe(`${app.url}/auth`);
  const token = browser.cookies(app.url).get('token')!;
  const me = (await (await app.request('GET', '/api/v1/auths/', { token })).json()) as { id: string; name: string; email: string };
  expect(me).toMatchObject({ name: 'The Octocat', email: 'octo@private.example' });
  const row = await app.ctx.db.kysely.selectFrom('user').select('oauth_sub').where('id', '=', me.id).executeTakeFirstOrThrow();
  expect(row.oauth_sub).toBe('github@4242');
});

it('turns GitHub refusing the code into a message, and no session', async () => {
  const { browser, callbackUrl } = await flow();
  const bad = new URL(callbackUrl);
  bad.searchParams.set('code', 'not-a-code');
  const res = await browser.fetch(bad.href);
  const error = new URL(res.headers.get('location')!).searchParams.get('error');
  expect(error).toMatch(/refused the sign-in \(bad_verification_code/);
  expect(browser.cookies(app.url).get('token')).toBeUndefined();
});

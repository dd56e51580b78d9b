/**
 * The `microsoft` provider: discovery at MICROSOFT_CLIENT_LOGIN_BASE_URL/<tenant>/v2.0/.well-known/
 * openid-configuration?appid=<client id>, exercised against a real OpenID Provider mounted at that
 * tenant path (what Entra ID serves), with the "Microsoft" button's provider id.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Browser, startTestIdp, type TestIdp } from '../helpers/oidc-idp.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let idp: TestIdp;
let app: TestServer;

beforeAll(async () => {
  idp = await startTestIdp({
    prefix: '/tenant-1/v2.0',
    redirectUris: () => [`${app.url}/oauth/microsoft/callback`],
    accounts: { mia: { password: 'mia-pw', name: 'Mia Soft', email: 'mia@contoso.example' } },
  });
  app = await startTestServer({
    MICROSOFT_CLIENT_ID: idp.clientId,
    MICROSOFT_CLIENT_SECRET: idp.clientSecret,
    MICROSOFT_CLIENT_TENANT_ID: 'tenant-1',
    MICROSOFT_CLIENT_LOGIN_BASE_URL: idp.issuer.replace('/tenant-1/v2.0', ''),
    ENABLE_OAUTH_SIGNUP: 'true',
  });
});
afterAll(async () => {
  await app?.close();
  await idp?.close();
});

it('signs in through the tenant discovery document', async () => {
  const cfg = (await (await app.request('GET', '/api/config')).json()) as { oauth: { providers: Record<string, string> } };
  expect(cfg.oauth.providers).toEqual({ microsoft: 'microsoft' });

  const browser = new Browser();
  const start = await browser.follow(`${app.url}/oauth/microsoft/login`, (u) => u.includes('/interaction/'));
  expect(idp.hits.get('/tenant-1/v2.0/.well-known/openid-configuration')).toBe(1);
  const posted = await browser.fetch(`${start.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login: 'mia', password: 'mia-pw' }).toString(),
  });
  const back = await browser.chase(posted, `${start.url}/login`, (u) => u.startsWith(`${app.url}/auth`));
  expect(back.url).toBe(`${app.url}/auth`);
  const token = browser.cookies(app.url).get('token')!;
  const me = (await (await app.request('GET', '/api/v1/auths/', { token })).json()) as { id: string; name: string; email: string; role: string };
  expect(me).toMatchObject({ name: 'Mia Soft', email: 'mia@contoso.example', role: 'admin' }); // the first account
  const row = await app.ctx.db.kysely.selectFrom('user').select('oauth_sub').where('id', '=', me.id).executeTakeFirstOrThrow();
  expect(row.oauth_sub).toBe('microsoft@mia');
});

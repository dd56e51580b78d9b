/**
 * Single sign-on in a real browser: "Continue with <provider>" against a real OpenID Provider
 * (oidc-provider on loopback), and the LDAP form against a real OpenLDAP slapd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSignup, screenshot, startStack, type Stack } from '../fixtures.ts';
import { ChatPage } from '../pages/chat-page.ts';
import { startTestIdp, type TestIdp } from '../../server/test/helpers/oidc-idp.ts';
import { slapdAvailable, startSlapd, type Slapd } from '../../server/test/helpers/slapd.ts';

const inCI = /^(1|true)$/i.test(process.env.CI ?? '');
const HAVE_SLAPD = slapdAvailable();

describe('single sign-on in the browser', () => {
  let stack: Stack;
  let idp: TestIdp;
  let ldap: Slapd | null = null;

  beforeAll(async () => {
    let base = '';
    // The IdP learns the app's callback URL lazily (its first request comes after the app is up).
    idp = await startTestIdp({
      redirectUris: () => [`${base}/oauth/oidc/callback`],
      postLogoutRedirectUris: () => [`${base}/auth`],
      accounts: { alice: { password: 'alice-idp-pw', name: 'Alice Liddell', email: 'alice@example.com' } },
    });
    if (HAVE_SLAPD || inCI) ldap = await startSlapd([{ uid: 'colleague', cn: 'Cole League', mail: 'cole@example.org', password: 'dir-pw-1' }]);
    stack = await startStack({
      env: {
        DEFAULT_USER_ROLE: 'user',
        ENABLE_OAUTH_SIGNUP: 'true',
        OAUTH_CLIENT_ID: idp.clientId,
        OAUTH_CLIENT_SECRET: idp.clientSecret,
        OPENID_PROVIDER_URL: idp.discoveryUrl,
        OAUTH_PROVIDER_NAME: 'Test IdP',
        ...(ldap
          ? {
              ENABLE_LDAP: 'true',
              LDAP_SERVER_HOST: ldap.host,
              LDAP_SERVER_PORT: String(ldap.port),
              LDAP_USE_TLS: 'false',
              LDAP_APP_DN: ldap.appDn,
              LDAP_APP_PASSWORD: ldap.appPassword,
              LDAP_SEARCH_BASE: `ou=people,${ldap.base}`,
            }
          : {}),
      },
    });
    base = stack.baseUrl;
    // An admin exists already, so the IdP user is an ordinary user.
    await apiSignup(stack.baseUrl, 'Root', 'root@example.com', 'root-password-1');
  });

  afterAll(async () => {
    await stack?.close();
    await idp?.close();
    await ldap?.stop();
  });

  it('"Continue with Test IdP" signs a person in with their IdP name, and signing out ends the IdP session too', async () => {
    const page = await stack.newPage();
    await page.goto('/auth');
    const button = page.getByTestId('oauth-oidc');
    await button.waitFor();
    expect(await button.innerText()).toBe('Continue with Test IdP');
    await screenshot(page, 'sso-signin');
    await button.click();

    // At the identity provider's own sign-in form.
    await page.waitForURL((u) => u.href.startsWith(idp.issuer) && u.pathname.startsWith('/interaction/'));
    await page.getByTestId('idp-login').fill('alice');
    await page.getByTestId('idp-password').fill('alice-idp-pw');
    await page.getByTestId('idp-submit').click();

    // Back at the app, signed in.
    await new ChatPage(page).waitReady();
    expect(new URL(page.url()).origin).toBe(stack.baseUrl);
    expect(await page.getByTestId('user-name').innerText()).toBe('Alice Liddell');
    await screenshot(page, 'sso-signed-in');

    await page.getByTestId('signout').click();
    await page.waitForURL((u) => u.href.startsWith(idp.issuer) && u.pathname.includes('session/end'));
  });

  it('labels the button in zh-CN', async () => {
    const page = await stack.newPage({ locale: 'zh-CN' });
    await page.goto('/auth');
    expect(await page.getByTestId('oauth-oidc').innerText()).toBe('使用 Test IdP 继续');
    await screenshot(page, 'sso-signin-zh-CN');
  });

  it('shows the reason on the sign-in page when the IdP sign-in failed', async () => {
    const page = await stack.newPage();
    await page.goto('/auth?error=' + encodeURIComponent('The identity provider refused the sign-in (access_denied).'));
    expect(await page.getByTestId('auth-error').innerText()).toContain('access_denied');
  });

  it.skipIf(!HAVE_SLAPD && !inCI)('the LDAP form signs a colleague in with their directory password; the admin edits the LDAP settings', async () => {
    const page = await stack.newPage();
    await page.goto('/auth');
    await page.getByTestId('ldap-username').waitFor();
    expect(await page.getByTestId('auth-form').getAttribute('data-mode')).toBe('ldap');
    await page.getByTestId('ldap-username').fill('colleague');
    await page.getByTestId('ldap-password').fill('wrong');
    await page.getByTestId('auth-submit').click();
    expect(await page.getByTestId('auth-error').innerText()).toContain('LDAP authentication failed');
    await page.getByTestId('ldap-password').fill('dir-pw-1');
    await page.getByTestId('auth-submit').click();
    await new ChatPage(page).waitReady();
    expect(await page.getByTestId('user-name').innerText()).toBe('Cole League');

    // The email form is one click away on the same page.
    const other = await stack.newPage();
    await other.goto('/auth');
    await other.getByTestId('toggle-ldap').click();
    await other.getByTestId('auth-email').waitFor();
    expect(await other.getByTestId('auth-form').getAttribute('data-mode')).toBe('signin');

    // The admin sees and edits the directory settings under Admin > Settings > Authentication.
    await other.getByTestId('auth-email').fill('root@example.com');
    await other.getByTestId('auth-password').fill('root-password-1');
    await other.getByTestId('auth-submit').click();
    await new ChatPage(other).waitReady();
    await other.goto('/admin/settings/general');
    await other.getByTestId('ldap-settings').waitFor();
    expect(await other.getByTestId('ldap-enable').isChecked()).toBe(true);
    expect(await other.getByTestId('ldap-host').inputValue()).toBe('127.0.0.1');
    await other.getByTestId('ldap-label').fill('Corp Directory');
    await other.getByTestId('ldap-save').click();
    await other.getByTestId('ldap-saved').waitFor();
    await screenshot(other, 'sso-admin-ldap');
    const saved = await other.evaluate(async () => (await fetch('/api/v1/auths/admin/config/ldap/server', { headers: { authorization: `Bearer ${localStorage.getItem('token')}` } })).json());
    expect(saved.label).toBe('Corp Directory');
  });
});

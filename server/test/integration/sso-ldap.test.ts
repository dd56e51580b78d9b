/**
 * LDAP sign-in against a real OpenLDAP slapd (started by the test with its own config on loopback),
 * plain, over ldaps:// with a CA file and with StartTLS; and the admin's LDAP settings endpoints.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slapdAvailable, startSlapd, type Slapd } from '../helpers/slapd.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Outside CI a machine without slapd skips with a note; in CI (CI=true) a missing slapd fails.
const inCI = /^(1|true)$/i.test(process.env.CI ?? '');
const HAVE = slapdAvailable();
if (!HAVE && !inCI) console.warn('sso-ldap.test: slapd not found (apt-get install slapd ldap-utils); skipping the LDAP tests');

let ldap: Slapd;
let app: TestServer;
let startTls: TestServer;
let admin: string;

const FAILED = 'LDAP authentication failed. Check your user name and password.';

beforeAll(async () => {
  if (!HAVE && !inCI) return;
  ldap = await startSlapd(
    [
      { uid: 'alice', cn: 'Alice Doe', mail: 'Alice@Example.org', password: 'alice-dir-pw' },
      { uid: 'bob', cn: 'Bob Roe', mail: 'bob@example.org', password: 'bob-dir-pw' },
      { uid: 'nomail', cn: 'No Mail', password: 'nomail-pw' },
    ],
    { staff: ['alice'], 'ml-team': ['alice', 'bob'] },
  );
  const env = {
    ENABLE_LDAP: 'true',
    LDAP_SERVER_HOST: ldap.host,
    LDAP_SERVER_PORT: String(ldap.port),
    LDAP_USE_TLS: 'false',
    LDAP_APP_DN: ldap.appDn,
    LDAP_APP_PASSWORD: ldap.appPassword,
    LDAP_SEARCH_BASE: `ou=people,${ldap.base}`,
    LDAP_SEARCH_FILTERS: '(objectClass=inetOrgPerson)',
    ENABLE_LDAP_GROUP_MANAGEMENT: 'true',
    LDAP_TIMEOUT: '3',
  };
  app = await startTestServer(env);
  startTls = await startTestServer({ ...env, LDAP_USE_STARTTLS: 'true', LDAP_CA_CERT_FILE: ldap.caFile });
  const r = await app.request('POST', '/api/v1/auths/signup', { body: { name: 'Root', email: 'root@example.com', password: 'root-password-1' } });
  admin = ((await r.json()) as { token: string }).token;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await startTls?.close();
  await ldap?.stop();
});

const signIn = (s: TestServer, user: string, password: string) => s.request('POST', '/api/v1/auths/ldap', { body: { user, password } });

describe.skipIf(!HAVE && !inCI)('LDAP sign-in (OpenLDAP slapd)', () => {
  it('advertises LDAP in /api/config', async () => {
    const cfg = (await (await app.request('GET', '/api/config')).json()) as { features: { enable_ldap: boolean } };
    expect(cfg.features.enable_ldap).toBe(true);
  });

  it('signs a directory user in with their directory password and makes the account from the entry', async () => {
    const res = await signIn(app, 'Alice', 'alice-dir-pw');
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('token=') && /HttpOnly/i.test(c))).toBe(true);
    const body = (await res.json()) as { token: string; token_type: string; name: string; email: string; role: string; permissions: unknown };
    expect(body).toMatchObject({ token_type: 'Bearer', name: 'Alice Doe', email: 'alice@example.org', role: 'pending' });
    const me = await app.request('GET', '/api/v1/auths/', { token: body.token });
    expect(((await me.json()) as { email: string }).email).toBe('alice@example.org');
    // memberOf -> group names, handed to the group-sync seam.
    expect(app.logs()).toMatch(/"groups":\["staff","ml-team"\]|"groups":\["ml-team","staff"\]/);
    // The same person again is the same account.
    const again = (await (await signIn(app, 'alice', 'alice-dir-pw')).json()) as { id: string };
    expect(again.id).toBe(((await (await app.request('GET', '/api/v1/auths/', { token: body.token })).json()) as { id: string }).id);
  });

  it('refuses a wrong password and an unknown user with the same 400, and no session', async () => {
    for (const [user, pw] of [
      ['alice', 'wrong'],
      ['nobody', 'whatever'],
    ]) {
      const res = await signIn(app, user!, pw!);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ detail: FAILED });
      expect(res.headers.getSetCookie().some((c) => c.startsWith('token='))).toBe(false);
    }
  });

  it('refuses an empty password (an unauthenticated bind would succeed) and escapes filter characters', async () => {
    expect((await signIn(app, 'alice', '')).status).toBe(400);
    const wildcard = await signIn(app, 'a*', 'alice-dir-pw');
    expect(wildcard.status).toBe(400);
    expect(await wildcard.json()).toEqual({ detail: FAILED });
    const injected = await signIn(app, 'alice)(uid=*', 'alice-dir-pw');
    expect(injected.status).toBe(400);
  });

  it('refuses an entry without a mail attribute', async () => {
    const res = await signIn(app, 'nomail', 'nomail-pw');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ detail: 'User does not have a valid email address.' });
  });

  it('works over StartTLS with the CA file', async () => {
    const res = await signIn(startTls, 'bob', 'bob-dir-pw');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { email: string }).email).toBe('bob@example.org');
  });

  it('reads and saves the LDAP settings in the original shapes; admins only', async () => {
    expect((await app.request('GET', '/api/v1/auths/admin/config/ldap')).status).toBe(401);
    const user = ((await (await signIn(app, 'bob', 'bob-dir-pw')).json()) as { token: string }).token;
    expect((await app.request('GET', '/api/v1/auths/admin/config/ldap/server', { token: user })).status).toBe(401);

    const get = await app.request('GET', '/api/v1/auths/admin/config/ldap/server', { token: admin });
    expect(get.status).toBe(200);
    const server = (await get.json()) as Record<string, unknown>;
    expect(server).toEqual({
      label: 'LDAP Server',
      host: ldap.host,
      port: ldap.port,
      attribute_for_mail: 'mail',
      attribute_for_username: 'uid',
      app_dn: ldap.appDn,
      app_dn_password: ldap.appPassword,
      search_base: `ou=people,${ldap.base}`,
      search_filters: '(objectClass=inetOrgPerson)',
      use_tls: false,
      certificate_path: '',
      validate_cert: true,
      ciphers: 'ALL',
    });
    const empty = await app.request('POST', '/api/v1/auths/admin/config/ldap/server', { token: admin, body: { ...server, app_dn: '' } });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ detail: 'Required field app_dn is empty' });

    expect(await (await app.request('GET', '/api/v1/auths/admin/config/ldap', { token: admin })).json()).toEqual({ ENABLE_LDAP: true });
    const off = await app.request('POST', '/api/v1/auths/admin/config/ldap', { token: admin, body: { enable_ldap: false } });
    expect(await off.json()).toEqual({ ENABLE_LDAP: false });
    const refused = await signIn(app, 'alice', 'alice-dir-pw');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ detail: 'LDAP authentication is not enabled' });
    await app.request('POST', '/api/v1/auths/admin/config/ldap', { token: admin, body: { enable_ldap: true } });
  });

  it('switches to ldaps:// with a CA file through the admin settings; without the CA the certificate is refused', async () => {
    const server = (await (await app.request('GET', '/api/v1/auths/admin/config/ldap/server', { token: admin })).json()) as Record<string, unknown>;
    const tls = { ...server, port: ldap.tlsPort, use_tls: true, certificate_path: ldap.caFile };
    expect((await app.request('POST', '/api/v1/auths/admin/config/ldap/server', { token: admin, body: tls })).status).toBe(200);
    expect((await signIn(app, 'alice', 'alice-dir-pw')).status).toBe(200);

    await app.request('POST', '/api/v1/auths/admin/config/ldap/server', { token: admin, body: { ...tls, certificate_path: '' } });
    const untrusted = await signIn(app, 'alice', 'alice-dir-pw');
    expect(untrusted.status).toBe(502);
    expect(await untrusted.json()).toEqual({ detail: 'Could not establish a secure connection to the LDAP server.' });
    await app.request('POST', '/api/v1/auths/admin/config/ldap/server', { token: admin, body: server });
  });

  it('answers 502 quickly when the LDAP server is down, and never a session', async () => {
    const server = (await (await app.request('GET', '/api/v1/auths/admin/config/ldap/server', { token: admin })).json()) as Record<string, unknown>;
    await app.request('POST', '/api/v1/auths/admin/config/ldap/server', { token: admin, body: { ...server, port: 9 } });
    const t0 = Date.now();
    const res = await signIn(app, 'alice', 'alice-dir-pw');
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ detail: 'Could not connect to the LDAP server. Please try again later.' });
    expect(res.headers.getSetCookie().some((c) => c.startsWith('token='))).toBe(false);
    expect(Date.now() - t0).toBeLessThan(3000);
    await app.request('POST', '/api/v1/auths/admin/config/ldap/server', { token: admin, body: server });
  });

  it('answers 504 after LDAP_TIMEOUT when the server accepts but never answers', async () => {
    const held: net.Socket[] = [];
    const hole = net.createServer((sock) => held.push(sock));
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
    const server = (await (await app.request('GET', '/api/v1/auths/admin/config/ldap/server', { token: admin })).json()) as Record<string, unknown>;
    try {
      await app.request('POST', '/api/v1/auths/admin/config/ldap/server', { token: admin, body: { ...server, port: (hole.address() as net.AddressInfo).port } });
      const t0 = Date.now();
      const res = await signIn(app, 'alice', 'alice-dir-pw');
      expect(res.status).toBe(504);
      expect(await res.json()).toEqual({ detail: 'The LDAP server did not answer in time. Please try again later.' });
      expect(Date.now() - t0).toBeLessThan(8000);
    } finally {
      await app.request('POST', '/api/v1/auths/admin/config/ldap/server', { token: admin, body: server });
      for (const s of held) s.destroy();
      hole.close();
    }
  });

  it('never logs the passwords', () => {
    expect(app.logs()).not.toContain('alice-dir-pw');
    expect(app.logs()).not.toContain(ldap.appPassword);
  });
});

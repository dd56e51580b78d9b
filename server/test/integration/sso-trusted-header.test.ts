/** WEBUI_AUTH_TRUSTED_NAME_HEADER and WEBUI_AUTH_TRUSTED_GROUPS_HEADER behind a trusted proxy. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    WEBUI_AUTH_TRUSTED_EMAIL_HEADER: 'X-Forwarded-Email',
    WEBUI_AUTH_TRUSTED_NAME_HEADER: 'X-Forwarded-User',
    WEBUI_AUTH_TRUSTED_GROUPS_HEADER: 'X-Forwarded-Groups',
  });
});
afterAll(() => s?.close());

const signin = (email: string, name: string, groups: string) =>
  s.request('POST', '/api/v1/auths/signin', { body: { email: '', password: '' }, headers: { 'x-forwarded-email': email, 'x-forwarded-user': name, 'x-forwarded-groups': groups } });

it('names the account from the name header and hands the groups header to group sync (non-admins only)', async () => {
  const first = await signin('boss@example.com', 'The%20Boss', 'ops');
  expect(first.status).toBe(200);
  expect(await first.json()).toMatchObject({ name: 'The Boss', role: 'admin' });
  expect(s.logs()).not.toContain('"ops"');

  const res = await signin('worker@example.com', 'Worker', ' staff , ml-team ,,');
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ name: 'Worker', email: 'worker@example.com' });
  expect(s.logs()).toMatch(/"groups":\["staff","ml-team"\].*"source":"trusted-header"/);
});

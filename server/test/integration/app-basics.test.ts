import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('app basics over real HTTP', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  it('answers health, db health, readiness and version', async () => {
    expect(await (await s.request('GET', '/health')).json()).toEqual({ status: true });
    expect(await (await s.request('GET', '/health/db')).json()).toEqual({ status: true });
    const ready = await s.request('GET', '/ready');
    expect(ready.status).toBe(200);
    expect((await (await s.request('GET', '/api/version')).json()).version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('returns JSON 404 for unknown routes', async () => {
    const res = await s.request('POST', '/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not Found' });
  });

  it('explains API-only mode at / when the UI is not built', async () => {
    const res = await s.request('GET', '/');
    expect(res.status).toBe(200);
    expect((await res.json()).detail).toMatch(/npm run build/);
  });

  it('reports onboarding to anonymous callers of an empty instance, and more fields once signed in', async () => {
    const anon = await (await s.request('GET', '/api/config')).json();
    expect(anon.onboarding).toBe(true);
    expect(anon.features.enable_signup).toBe(true);
    expect(anon.user_count).toBeUndefined();
    const { token } = await createUser(s.ctx, { role: 'admin' });
    const signedIn = await (await s.request('GET', '/api/config', { token })).json();
    expect(signedIn.onboarding).toBeUndefined();
    expect(signedIn.user_count).toBe(1);
    const forged = await (await s.request('GET', '/api/config', { token: token.slice(0, -2) + 'xx' })).json();
    expect(forged.user_count).toBeUndefined();
  });

  it('serves the PWA manifest', async () => {
    const m = await (await s.request('GET', '/manifest.json')).json();
    expect(m).toMatchObject({ name: 'Open WebUI', start_url: '/', display: 'standalone' });
  });
});

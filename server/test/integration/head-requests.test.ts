import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** HEAD is answered by the GET route of its path (plugins/head-as-get.ts), with no HEAD twin registered. */
describe('HEAD requests', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  const same = async (path: string, token?: string) => {
    const get = await s.request('GET', path, { token });
    const getBody = await get.arrayBuffer();
    const head = await s.request('HEAD', path, { token });
    expect(await head.arrayBuffer()).toHaveProperty('byteLength', 0);
    expect(head.status).toBe(get.status);
    expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
    expect(head.headers.get('content-length')).toBe(String(getBody.byteLength));
    return head;
  };

  it('gets the GET route status and headers without a body, public and guarded', async () => {
    expect((await same('/health')).status).toBe(200);
    expect((await same('/api/config')).status).toBe(200);
    expect((await same('/api/v1/auths/')).status).toBe(401);
    const { token } = await createUser(s.ctx, { role: 'user' });
    expect((await same('/api/v1/auths/', token)).status).toBe(200);
    expect((await same('/api/v1/users/', token)).status).toBe(401);
    expect((await same('/api/v1/nothing-here')).status).toBe(404);
  });

  it('is 404 on a path that has no GET route, and the handler sees HEAD', async () => {
    expect((await s.request('GET', '/api/v1/auths/signin')).status).toBe(404);
    expect((await s.request('HEAD', '/api/v1/auths/signin')).status).toBe(404);
    const lines = s.logs().split('\n').filter((l) => l.includes('"method":"HEAD"'));
    expect(lines.length).toBeGreaterThan(0);
  });

  it('registers no HEAD twins, and every GET route still declares its guard', () => {
    expect(s.app.routeTable.filter((r) => r.method === 'HEAD')).toEqual([]);
    expect(s.app.routeTable.filter((r) => r.method === 'GET').length).toBeGreaterThan(100);
  });
});

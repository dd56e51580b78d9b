import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { createPostgresDatabase, scaleServices } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * PostgreSQL or Redis going away and coming back, for real: the server reaches both through a TCP relay
 * this test can cut (every connection dropped, nothing listening) and restore on the same port.
 */
const { db: DB, redis: REDIS, available } = scaleServices('scale-outage.test.ts');

async function relay(target: URL) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    async cut() {
      await new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      });
    },
    async restore() {
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe.skipIf(!available)('PostgreSQL and Redis outages: clear 503s, /ready, recovery without restart', () => {
  let s: TestServer;
  let pgRelay: Awaited<ReturnType<typeof relay>>;
  let redisRelay: Awaited<ReturnType<typeof relay>>;
  let db: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let token: string;

  beforeAll(async () => {
    db = await createPostgresDatabase();
    const dbUrl = new URL(db.url);
    pgRelay = await relay(new URL(db.url));
    redisRelay = await relay(new URL(REDIS));
    dbUrl.port = String(pgRelay.port);
    dbUrl.hostname = '127.0.0.1';
    s = await startTestServer({ DATABASE_URL: dbUrl.toString(), REDIS_URL: `redis://127.0.0.1:${redisRelay.port}`, REDIS_KEY_PREFIX: `outage-${Date.now()}` });
    ({ token } = await createUser(s.ctx));
  }, 30_000);

  afterAll(async () => {
    await s?.close();
    pgRelay?.close();
    redisRelay?.close();
    await db?.drop();
  });

  const signinStatus = async () => (await s.request('POST', '/api/v1/auths/signin', { body: { email: 'nobody@example.com', password: 'x' } })).status;

  it('Redis away: sign-in answers 503 with a reason, /ready says redis is down; back: it recovers', async () => {
    expect(await (await s.request('GET', '/ready')).json()).toEqual({ status: true, checks: { database: true, redis: true } });
    await redisRelay.cut();
    const res = await s.request('POST', '/api/v1/auths/signin', { body: { email: 'nobody@example.com', password: 'x' } });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ detail: 'Redis is not reachable. Please try again shortly.' });
    const ready = await s.request('GET', '/ready');
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks).toEqual({ database: true, redis: false });
    // Requests that need only the database keep working.
    expect((await s.request('GET', '/api/v1/auths/', { token })).status).toBe(200);

    await redisRelay.restore();
    await expect.poll(signinStatus, { timeout: 10_000, interval: 200 }).toBe(400);
    expect((await s.request('GET', '/ready')).status).toBe(200);
  }, 30_000);

  it('PostgreSQL away: authenticated requests answer 503 with a reason, /ready says so; back: it recovers', async () => {
    await pgRelay.cut();
    const res = await s.request('GET', '/api/v1/auths/', { token });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ detail: 'Database is not reachable. Please try again shortly.' });
    const ready = await s.request('GET', '/ready');
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks).toMatchObject({ database: false });

    await pgRelay.restore();
    await expect.poll(async () => (await s.request('GET', '/api/v1/auths/', { token })).status, { timeout: 10_000, interval: 200 }).toBe(200);
    expect((await s.request('GET', '/ready')).status).toBe(200);
  }, 30_000);
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { createPostgresDatabase, scaleServices } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const signin = (s: TestServer, ip: string, email: string, password: string) =>
  s.request('POST', '/api/v1/auths/signin', { body: { email, password }, headers: { 'x-forwarded-for': ip } });

describe('sign-in lockout counts failures per (email, IP) and per IP', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ FORWARDED_ALLOW_IPS: '127.0.0.1' });
  });
  afterAll(() => s.close());

  it('16 wrong passwords from one client do not lock the owner out from another', async () => {
    const victim = await createUser(s.ctx, { email: 'victim@example.com' });
    for (let i = 0; i < 15; i++) expect((await signin(s, '203.0.113.7', 'victim@example.com', 'wrong')).status).toBe(400);
    // The attacker's client is refused even with the right password, without a hash being computed.
    expect((await signin(s, '203.0.113.7', 'Victim@Example.com', victim.password)).status).toBe(429);
    // The owner, from a client that has not failed, signs in at once.
    expect((await signin(s, '198.51.100.2', 'victim@example.com', victim.password)).status).toBe(200);
  });

  it('a right password clears the client\'s count for that email', async () => {
    const u = await createUser(s.ctx);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) expect((await signin(s, '198.51.100.3', u.user.email, 'wrong')).status).toBe(400);
      expect((await signin(s, '198.51.100.3', u.user.email, u.password)).status).toBe(200);
    }
  });

  it('a client spraying many accounts is stopped by its per-IP count, others are not', async () => {
    const u = await createUser(s.ctx);
    const statuses = await Promise.all(Array.from({ length: 60 }, (_, i) => signin(s, '192.0.2.50', `spray${i}@example.com`, 'wrong').then((r) => r.status)));
    expect(statuses.every((st) => st === 400)).toBe(true);
    expect((await signin(s, '192.0.2.50', u.user.email, u.password)).status).toBe(429);
    expect((await signin(s, '192.0.2.51', u.user.email, u.password)).status).toBe(200);
  });
});

const { db: DB, redis: REDIS, available } = scaleServices('signin-lockout.test.ts');

describe.runIf(available && DB)('sign-in lockout is cluster-wide on Redis', () => {
  let a: TestServer;
  let b: TestServer;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await createPostgresDatabase();
    drop = db.drop;
    const env = { DATABASE_URL: db.url, REDIS_URL: REDIS, REDIS_KEY_PREFIX: `lockout-${randomBytes(4).toString('hex')}`, FORWARDED_ALLOW_IPS: '127.0.0.1' };
    a = await startTestServer(env);
    b = await startTestServer(env);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await drop();
  });

  it('failures counted on one instance refuse the same client on another', async () => {
    const u = await createUser(a.ctx);
    for (let i = 0; i < 8; i++) expect((await signin(a, '203.0.113.9', u.user.email, 'wrong')).status).toBe(400);
    for (let i = 0; i < 7; i++) expect((await signin(b, '203.0.113.9', u.user.email, 'wrong')).status).toBe(400);
    expect((await signin(b, '203.0.113.9', u.user.email, u.password)).status).toBe(429);
    expect((await signin(a, '203.0.113.9', u.user.email, u.password)).status).toBe(429);
    expect((await signin(a, '203.0.113.10', u.user.email, u.password)).status).toBe(200);
  });
});

import { monitorEventLoopDelay } from 'node:perf_hooks';
import bcryptjs from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeBcrypt, PasswordPool, passwordPool } from '../../src/modules/auths/password-pool.js';
import { DUMMY_HASH } from '../../src/modules/auths/passwords.js';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('password hashing off the event loop', () => {
  it('uses the native binding and keeps the event loop responsive while hashes run', async () => {
    expect(nativeBcrypt()).toBe(true);
    const hash = bcryptjs.hashSync('secret', 11);
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 6 }, () => passwordPool.verify('wrong', hash)));
    const elapsed = Date.now() - started;
    h.disable();
    expect(results.every((r) => r === false)).toBe(true);
    // Six cost-11 hashes take several hundred ms of CPU; none of it may stall the loop. (Percentiles, not
    // the maximum: on a loaded machine the OS alone can delay one tick; a hash on the loop would stall
    // every tick for its whole ~100 ms.)
    expect(elapsed).toBeGreaterThan(100);
    expect(h.percentile(50) / 1e6).toBeLessThan(20);
    expect(h.percentile(90) / 1e6).toBeLessThan(50);
  });

  it('accepts the original\'s $2a$, $2b$ and $2y$ hashes and writes hashes bcryptjs accepts', async () => {
    const h2b = bcryptjs.hashSync('päss word', 4).replace(/^\$2[ab]\$/, '$2b$');
    for (const h of [h2b, h2b.replace('$2b$', '$2a$'), h2b.replace('$2b$', '$2y$')]) {
      expect(await passwordPool.verify('päss word', h), h.slice(0, 4)).toBe(true);
      expect(await passwordPool.verify('pass word', h)).toBe(false);
    }
    const ours = await passwordPool.hash('hello', 4);
    expect(bcryptjs.compareSync('hello', ours)).toBe(true);
    expect(await passwordPool.verify('x', 'not a hash')).toBe(false);
  });

  it('bounds concurrency and refuses callers beyond the queue with 429', async () => {
    const pool = new PasswordPool({ concurrency: 1, maxQueue: 2 });
    const hash = bcryptjs.hashSync('a', 8);
    const runs = Array.from({ length: 5 }, () => pool.verify('b', hash).then(
      () => 'ok',
      (e: { statusCode?: number }) => String(e.statusCode),
    ));
    expect(await Promise.all(runs)).toEqual(['ok', 'ok', 'ok', '429', '429']);
  });

  it('the dummy hash costs what a real one does', () => {
    expect(DUMMY_HASH.slice(0, 7)).toBe('$2b$10$');
  });
});

describe('sign-in timing does not reveal accounts', () => {
  let s: TestServer;
  let email: string;
  beforeAll(async () => {
    s = await startTestServer();
    const u = await createUser(s.ctx);
    email = u.user.email;
    // A cost-10 hash, as every account created by this server has.
    await s.ctx.db.kysely.updateTable('auth').set({ password: bcryptjs.hashSync('password123', 10) }).where('id', '=', u.user.id).execute();
  });
  afterAll(() => s.close());

  const time = async (e: string) => {
    const t = performance.now();
    const res = await s.request('POST', '/api/v1/auths/signin', { body: { email: e, password: 'wrong-one' } });
    expect(res.status).toBe(400);
    return performance.now() - t;
  };

  it('an unknown email takes as long as a wrong password', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await time(email));
      unknown.push(await time(`nobody${i}@example.com`));
    }
    // The fastest of each series: what the work costs, without the load spikes of a shared machine.
    const ratio = Math.min(...unknown) / Math.min(...known);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});

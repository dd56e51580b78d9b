import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { formatReport, type AdoptionReport } from '../../src/db/adopt/report.js';
import { buildFixture, SCHEMAS_DIR, type Fixture } from '../helpers/openwebui-fixture.js';
import { startTestServer } from '../helpers/test-server.js';

/**
 * Databases we must not adopt: start-up stops with one line, and the files stay exactly as they
 * were (no backup written, nothing of ours created).
 */
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-adopt-refuse-'));
  dirs.push(d);
  return path.join(d, 'data');
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  // -shm is shared memory between connections (readers mark it); the database is webui.db + -wal.
  for (const f of fs.readdirSync(dir).filter((f) => !f.endsWith('-shm')).sort()) out[f] = createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex');
  return out;
}

async function expectRefused(fx: Fixture, message: RegExp): Promise<void> {
  const before = snapshot(fx.dir);
  const err = await startTestServer({ DATA_DIR: fx.dir, DATABASE_URL: `sqlite:///${fx.file}`, WEBUI_SECRET_KEY: '' }).then(
    async (s) => {
      await s.close();
      return null;
    },
    (e: Error) => e,
  );
  expect(err).not.toBeNull();
  expect(err!.name).toBe('AdoptRefusal');
  expect(err!.message).toMatch(message);
  expect(err!.message).not.toContain('\n');
  expect(snapshot(fx.dir)).toEqual(before);
}

/** A process holding the database the way a running Open WebUI does. */
function holdOpen(file: string, how: 'wal-connection' | 'write-transaction'): Promise<ChildProcess> {
  const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `
    const SQLite = require(${JSON.stringify(sqlitePath)});
    const db = new SQLite(${JSON.stringify(file)});
    db.prepare('select count(*) from user').get();
    if (${JSON.stringify(how)} === 'write-transaction') { db.exec('BEGIN IMMEDIATE'); db.prepare("update user set name = name").run(); }
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
}

describe.skipIf(!SCHEMAS_DIR)('rows that cannot be carried', () => {
  it('are named in the start-up report, the rest is carried', { timeout: 30_000 }, async () => {
    const fx = await buildFixture({ schema: '0.6.32', dir: tmpDir() });
    const w = new SQLite(fx.file);
    const user = w.prepare(`insert into user (id, name, email, role, profile_image_url, created_at, updated_at, last_active_at) values (?, ?, ?, 'user', '', 1, 1, 1)`);
    user.run('u-dup', 'Ada again', 'ADA@example.com'); // one account per email, whatever the case
    user.run('u-noemail', 'Nobody', '');
    w.prepare(`insert into auth (id, email, password, active) values ('u-dup', 'ADA@example.com', 'x', 1)`).run();
    const chat = w.prepare(`insert into chat (id, user_id, title, chat, created_at, updated_at, archived, meta) values (?, 'u-bob', 't', ?, 1, 1, 0, '{}')`);
    chat.run('c-broken', '{"history": {"messages": {'); // cut off
    chat.run('c-array', '[1, 2]');
    w.close();
    const server = await startTestServer({ DATA_DIR: fx.dir, DATABASE_URL: `sqlite:///${fx.file}`, WEBUI_SECRET_KEY: '' });
    try {
      const report = (server.ctx as unknown as { adoption: AdoptionReport }).adoption;
      const text = formatReport(report);
      expect(text).toContain('user: 1 user rows already present (same id or unique value) were left as they were');
      expect(text).toMatch(/user: 1 not carried, e\.g\. user u-noemail: no email/);
      expect(text).toMatch(/chat: 2 not carried, e\.g\. chat c-broken: stored chat is not a JSON object, not carried; chat c-array: /);
      const res = await server.request('POST', '/api/v1/auths/signin', { body: { email: 'ada@example.com', password: 'Adm1n-pass!' } });
      expect(((await res.json()) as { id: string }).id).toBe('u-admin');
      // The backup still has every row, for whoever wants to repair them by hand.
      const b = new SQLite(report.backup!, { readonly: true });
      expect((b.prepare(`select count(*) as n from chat where id in ('c-broken', 'c-array')`).get() as { n: number }).n).toBe(2);
      b.close();
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(!SCHEMAS_DIR)('refusing an Open WebUI database', () => {
  it('refuses a revision newer than we know, naming it', async () => {
    const fx = await buildFixture({ schema: '0.10.0', dir: tmpDir(), wal: true });
    const w = new SQLite(fx.file);
    w.prepare(`update alembic_version set version_num = 'f00dfeed0001'`).run();
    w.close();
    await expectRefused(fx, /revision f00dfeed0001, newer than this version knows/);
  });

  it('refuses schemas older than 0.5.3, naming the release to upgrade through', async () => {
    await expectRefused(await buildFixture({ schema: '0.4.0', dir: tmpDir() }), /Open WebUI 0\.4\.0 .*older than 0\.5\.3; start Open WebUI 0\.5\.3 or newer on it once/);
    await expectRefused(await buildFixture({ schema: '0.3.5', dir: tmpDir() }), /older than 0\.3\.8 \(last migration 018_add_function_is_global\); start Open WebUI 0\.5\.3/);
  });

  it('refuses a file that is not a database, and one with damaged pages', async () => {
    const fx = await buildFixture({ schema: '0.6.32', dir: tmpDir() });
    const good = fs.readFileSync(fx.file);
    fs.writeFileSync(fx.file, Buffer.concat([Buffer.from('this is not sqlite at all'), good.subarray(25)]));
    await expectRefused(fx, /is not a readable SQLite database/);

    // Valid header, garbage in the middle: found by the integrity check before anything is read.
    const damaged = Buffer.from(good);
    const pageSize = damaged.readUInt16BE(16);
    for (let i = pageSize * 3; i < Math.min(damaged.length, pageSize * 6); i++) damaged[i] = (i * 7919) & 0xff;
    fs.writeFileSync(fx.file, damaged);
    await expectRefused(fx, /damaged|not a readable SQLite database/);
  });

  it('refuses a database a running Open WebUI holds: an open WAL connection (0.9+), a write in progress (older)', async () => {
    const wal = await buildFixture({ schema: '0.9.0', dir: tmpDir(), wal: true });
    const a = await holdOpen(wal.file, 'wal-connection');
    await expectRefused(wal, /is in use by another process \(a running Open WebUI\?\); stop it/);
    a.kill('SIGKILL');

    const old = await buildFixture({ schema: '0.6.32', dir: tmpDir() });
    const b = await holdOpen(old.file, 'write-transaction');
    await expectRefused(old, /is in use by another process/);
    b.kill('SIGKILL');
  });
});

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServerOnce } from '../helpers/build-once.js';

const bin = path.resolve(__dirname, '../../bin/open-webui.mjs');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = http.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** `open-webui backup` while the server runs, then `open-webui restore` with the server stopped (SQLite). */
describe('open-webui backup / restore (built CLI)', () => {
  const dirs: string[] = [];
  const tmp = (prefix: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess | null = null;
  let port: number;
  beforeAll(() => {
    buildServerOnce();
    dataDir = tmp('owui-bk-data-');
    const { TEST_DATABASE_URL: _t, DATABASE_URL: _d, WEBUI_SECRET_KEY: _k, ...rest } = process.env;
    env = { ...rest, DATA_DIR: dataDir, FRONTEND_BUILD_DIR: path.join(dataDir, 'none'), GLOBAL_LOG_LEVEL: 'ERROR', OLLAMA_BASE_URL: 'http://127.0.0.1:9' };
  });
  afterAll(() => {
    server?.kill('SIGKILL');
    dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  });
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 30_000 });
  const signup = (name: string, email: string) =>
    fetch(`http://127.0.0.1:${port}/api/v1/auths/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, email, password: 'pass-word-1' }) });
  const emails = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare('select email, name from "user" order by created_at').all() as { email: string; name: string }[]).map((r) => `${r.name} <${r.email}>`);
    } finally {
      db.close();
    }
  };

  it('backs up a running server: a consistent database copy, the uploads and the secret key', { timeout: 60_000 }, async () => {
    port = await freePort();
    server = spawn(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', String(port)], { env, stdio: 'ignore' });
    for (let i = 0; i < 600 && !(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 25));
    const ada = await signup('Ada', 'ada@example.com');
    expect(ada.status).toBe(200);
    const { token } = (await ada.json()) as { token: string };
    fs.mkdirSync(path.join(dataDir, 'uploads', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'uploads', 'sub', 'report.pdf'), 'pdf bytes');

    const out = path.join(tmp('owui-bk-out-'), 'b1');
    const r = cli('backup', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Backup written to ${out}`);
    // The live database is in WAL mode: the user written a moment ago must be in the copy.
    expect(emails(path.join(out, 'webui.db'))).toEqual(['Ada <ada@example.com>']);
    const check = new Database(path.join(out, 'webui.db'), { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
    expect(fs.readFileSync(path.join(out, 'uploads', 'sub', 'report.pdf'), 'utf8')).toBe('pdf bytes');
    expect(fs.readFileSync(path.join(out, '.webui_secret_key'), 'utf8')).toBe(fs.readFileSync(path.join(dataDir, '.webui_secret_key'), 'utf8'));
    expect(fs.statSync(path.join(out, '.webui_secret_key')).mode & 0o077).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'))).toMatchObject({ format: 1, version: '0.6.34', database: 'sqlite', files: ['webui.db', 'uploads/', '.webui_secret_key'] });
    // A second backup into the same folder is refused rather than mixed.
    expect(cli('backup', '--out', out).status).toBe(1);

    // Changes after the backup, then restore with the server stopped.
    const renamed = await fetch(`http://127.0.0.1:${port}/api/v1/auths/update/profile`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'Ada Later', profile_image_url: '/user.png' }) });
    expect(renamed.status).toBe(200);
    fs.writeFileSync(path.join(dataDir, 'uploads', 'later.txt'), 'later');
    server.kill('SIGTERM');
    await new Promise((res) => server!.once('exit', res));
    server = null;

    const refused = cli('restore', out);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/Stop the server, then run again with --force/);
    const restored = cli('restore', out, '--force');
    expect(restored.stderr).toBe('');
    expect(restored.status).toBe(0);
    expect(emails(path.join(dataDir, 'webui.db'))).toEqual(['Ada <ada@example.com>']);
    expect(fs.existsSync(path.join(dataDir, 'uploads', 'later.txt'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'uploads', 'sub', 'report.pdf'))).toBe(true);
    const aside = fs.readdirSync(dataDir).filter((f) => f.includes('.before-restore-'));
    expect(aside.some((f) => f.startsWith('webui.db.before-restore-'))).toBe(true);
    expect(aside.some((f) => f.startsWith('uploads.before-restore-'))).toBe(true);
    expect(emails(path.join(dataDir, aside.find((f) => /^webui\.db\.before-restore-[\d-]+$/.test(f))!))).toEqual(['Ada Later <ada@example.com>']);

    // The restored install starts and signs Ada in.
    port = await freePort();
    server = spawn(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', String(port)], { env, stdio: 'ignore' });
    for (let i = 0; i < 600 && !(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 25));
    const signin = await fetch(`http://127.0.0.1:${port}/api/v1/auths/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ada@example.com', password: 'pass-word-1' }) });
    expect(signin.status).toBe(200);
  });

  it('refuses a folder that is not a backup, with usage', () => {
    const r = cli('restore', tmp('owui-bk-empty-'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is not a backup made by open-webui backup[\s\S]*Usage: open-webui backup/);
  });

  it('for PostgreSQL prints the pg_dump command with the password masked, and still copies the files', () => {
    const out = path.join(tmp('owui-bk-pg-'), 'b');
    const r = spawnSync(process.execPath, [bin, 'backup', '--out', out], { env: { ...env, DATABASE_URL: 'postgresql://owui:s3cret@db.internal:5432/owui' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`pg_dump --format=custom --file='${path.join(out, 'webui.pgdump')}' 'postgresql://owui:***@db.internal:5432/owui'`);
    expect(r.stdout).not.toContain('s3cret');
    expect(fs.existsSync(path.join(out, 'uploads'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).database).toBe('postgres');
  });
});

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { importFrom } from '../../src/db/adopt/adopt.js';
import { formatReport } from '../../src/db/adopt/report.js';
import { loadConfig } from '../../src/config/env.js';
import { buildFixture, SCHEMAS_DIR } from '../helpers/openwebui-fixture.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/test-database.js';
import { startTestServer } from '../helpers/test-server.js';

/**
 * `open-webui import <dir>`: an Open WebUI data directory carried into the configured database
 * (a fresh SQLite DATA_DIR, or PostgreSQL in the PostgreSQL pass); the source is only read.
 */
const dirs: string[] = [];
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const d of drops) await d();
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-import-'));
  dirs.push(d);
  return d;
}

function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).filter((f) => !f.endsWith('-shm')).sort()) out[f] = createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex');
  return out;
}

describe.skipIf(!SCHEMAS_DIR)('open-webui import', () => {
  it(`carries a 0.9 data directory into ${POSTGRES_URL ? 'PostgreSQL' : 'a new SQLite DATA_DIR'}, leaves the source as it was, and a second import adds nothing`, { timeout: 60_000 }, async () => {
    const fx = await buildFixture({ schema: '0.9.0', dir: path.join(tmp(), 'old'), wal: true });
    const before = hashes(fx.dir);
    const target = path.join(tmp(), 'new');
    const pg = POSTGRES_URL ? await createPostgresDatabase() : null;
    if (pg) drops.push(() => pg.drop());
    const env = { DATA_DIR: target, ...(pg ? { DATABASE_URL: pg.url } : {}) };

    const report = await importFrom(loadConfig(env), fx.dir);
    expect(report.backup).toBeNull();
    expect(report.result.carried.find((t) => t.source === 'chat')?.written.get('chat')).toBe(fx.chats.length);
    expect(formatReport(report)).toContain('so sessions issued by Open WebUI stay valid');
    expect(fs.readFileSync(path.join(target, '.webui_secret_key'), 'utf8').trim()).toBe(fx.secret);
    expect(hashes(fx.dir)).toEqual(before);

    const again = await importFrom(loadConfig(env), fx.dir);
    for (const t of again.result.carried) expect(t.written.get(t.source) ?? 0, t.source).toBe(0);
    expect(again.result.carried.find((t) => t.source === 'user')?.conflicts.get('user')).toBe(fx.users.length);

    const server = await startTestServer({ ...env, WEBUI_SECRET_KEY: '' });
    try {
      const res = await server.request('POST', '/api/v1/auths/signin', { body: { email: 'bob@example.com', password: 'b0b-secret' } });
      expect(res.status).toBe(200);
      const me = await server.request('GET', '/api/v1/auths/', { token: await fx.token('u-admin') });
      expect(await me.json()).toMatchObject({ id: 'u-admin', role: 'admin' });
      const chat = await server.request('GET', '/api/v1/chats/c-3', { token: ((await res.json()) as { token: string }).token });
      expect(JSON.stringify(((await chat.json()) as { chat: unknown }).chat)).toBe(JSON.stringify(JSON.parse(fx.chats[2]!.doc)));
      expect(server.ctx.settings.get('DEFAULT_USER_ROLE')).toBe('user');
    } finally {
      await server.close();
    }
  });

  it('refuses to import the configured database into itself, or something that is not Open WebUI', async () => {
    const fx = await buildFixture({ schema: '0.6.32', dir: path.join(tmp(), 'd') });
    await expect(importFrom(loadConfig({ DATA_DIR: fx.dir }), fx.dir)).rejects.toThrow(/is the configured database itself/);
    const plain = path.join(tmp(), 'plain.db');
    new SQLite(plain).exec('create table t (x)');
    await expect(importFrom(loadConfig({ DATA_DIR: tmp() }), plain)).rejects.toThrow(/is not an Open WebUI database/);
  });
});

describe.skipIf(!SCHEMAS_DIR)('the built CLI on Open WebUI data', () => {
  const serverDir = path.resolve(__dirname, '../..');
  // A bundle of its own (same settings as build.mjs), so this file never races another test's build
  // of dist/server.js; inside dist/ so Node finds the external packages in node_modules.
  const outDir = path.join(serverDir, 'dist', `adopt-cli-test-${process.pid}`);
  const bin = path.join(outDir, 'open-webui.mjs');
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));
  const bundle = async () => {
    const external = ['better-sqlite3', 'pg', 'pg-native', 'bufferutil', 'utf-8-validate'];
    await build({
      entryPoints: [path.join(serverDir, 'src', 'server.ts')],
      outfile: path.join(outDir, 'server.js'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: external.flatMap((d) => [d, `${d}/*`]),
      banner: { js: "import { createRequire as __owuiCreateRequire } from 'node:module'; const require = __owuiCreateRequire(import.meta.url);" },
      logLevel: 'warning',
    });
    fs.writeFileSync(bin, "import { main } from './server.js';\nawait main();\n");
  };
  const run = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const { TEST_DATABASE_URL: _t, DATABASE_URL: _d, WEBUI_SECRET_KEY: _k, ...rest } = process.env;
      const child = spawn(process.execPath, [bin, ...args], { env: { ...rest, GLOBAL_LOG_LEVEL: 'error', ...env }, stdio: 'pipe' });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });

  it('`import <dir>` prints the report and exits 0; `serve` on a newer revision prints one line and exits 1', { timeout: 90_000 }, async () => {
    await bundle();
    const fx = await buildFixture({ schema: '0.6.42', dir: path.join(tmp(), 'old') });
    const out = await run(['import', fx.dir], { DATA_DIR: path.join(tmp(), 'new') });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Adopted Open WebUI 0.6.42 data (schema c440947495f3');
    expect(out.stdout).toMatch(/Carried \(rows read\): .*model 2/);
    // Carried or, while our schema lacks the table, named with its count: never silent.
    expect(out.stdout).toMatch(/memory 3/);

    const w = new SQLite(fx.file);
    w.prepare(`update alembic_version set version_num = 'abcdef012345'`).run();
    w.close();
    const refused = await run(['serve', '--host', '127.0.0.1', '--port', '0'], { DATA_DIR: fx.dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^open-webui: cannot start: .*revision abcdef012345, newer than this version knows/);
  });
});

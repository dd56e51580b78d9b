import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gracefulClose } from '../../src/shutdown.js';
import { buildServerOnce } from '../helpers/build-once.js';
import { startTestServer } from '../helpers/test-server.js';

const serverDir = path.resolve(__dirname, '../..');
const bin = path.join(serverDir, 'bin', 'open-webui.mjs');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = http.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function waitExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('the open-webui CLI (built bundle)', () => {
  const dirs: string[] = [];
  beforeAll(() => buildServerOnce());
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  function env(extra: Record<string, string>) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-cli-'));
    dirs.push(dataDir);
    const { TEST_DATABASE_URL: _t, DATABASE_URL: _d, ...rest } = process.env;
    return { ...rest, DATA_DIR: dataDir, FRONTEND_BUILD_DIR: path.join(dataDir, 'none'), GLOBAL_LOG_LEVEL: 'error', ...extra };
  }

  it('serves /health after launch and exits 0 on SIGTERM', { timeout: 40_000 }, async () => {
    const port = await freePort();
    const started = Date.now();
    const child = spawn(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', String(port)], { env: env({}), stdio: 'pipe' });
    let up = false;
    while (!up && Date.now() - started < 30_000) {
      up = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
      if (!up) await new Promise((r) => setTimeout(r, 25));
    }
    expect(up).toBe(true);
    // How fast is a benchmark's question (bench/), not a test's: a loaded machine would make it flaky.
    child.kill('SIGTERM');
    expect(await waitExit(child)).toBe(0);
  });

  it('stops with one clear line and exit code 1 on an invalid variable', async () => {
    const child = spawn(process.execPath, [bin, 'serve'], { env: env({ PORT: 'abc' }), stdio: 'pipe' });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    expect(await waitExit(child)).toBe(1);
    expect(stderr.trim()).toBe("open-webui: Invalid value for PORT: 'abc'. Accepted: a whole number from 0 to 65535.");
  });

  it('explains a port already in use', async () => {
    const blocker = http.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    const child = spawn(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', String(port)], { env: env({}), stdio: 'pipe' });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    expect(await waitExit(child)).toBe(1);
    expect(stderr).toMatch(/already in use/);
    blocker.close();
  });

  /** Starts `serve` and collects stdout; `until` resolves once a chunk of output matches. */
  async function startServe(extra: Record<string, string>) {
    const port = await freePort();
    const child = spawn(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', String(port)], { env: env({ GLOBAL_LOG_LEVEL: 'INFO', ...extra }), stdio: 'pipe' });
    let out = '';
    const waiters: { re: RegExp; resolve: () => void }[] = [];
    child.stdout!.on('data', (d) => {
      out += d;
      for (const w of waiters.splice(0)) (w.re.test(out) ? w.resolve : () => waiters.push(w))();
    });
    const until = (re: RegExp, ms = 20_000) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(out)) return resolve();
        waiters.push({ re, resolve });
        setTimeout(() => reject(new Error(`timed out waiting for ${re}; got:\n${out}`)), ms).unref();
      });
    const health = async () => {
      for (let i = 0; i < 600; i++) {
        if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) return Date.now();
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('never healthy');
    };
    const stop = async () => {
      child.kill('SIGTERM');
      await waitExit(child);
    };
    return { port, out: () => out, until, health, stop };
  }

  it('prints one readable start-up summary on a terminal: where to open the UI, and that Ollama is not reachable', { timeout: 40_000 }, async () => {
    const closed = await freePort();
    const srv = await startServe({ LOG_FORMAT: 'text', OLLAMA_BASE_URL: `http://127.0.0.1:${closed}` });
    try {
      await srv.health();
      await srv.until(/Open WebUI is ready[\s\S]*OpenAI at/);
      const out = srv.out();
      expect(out).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\| WARNING  \\| Open WebUI is ready at http://127\\.0\\.0\\.1:${srv.port} \\(API only`, 'm'));
      expect(out).toContain(`  Ollama at http://127.0.0.1:${closed}: NOT reachable: Nothing listens on 127.0.0.1:${closed} — is Ollama running? Start Ollama (\`ollama serve\``);
      expect(out).toContain('  OpenAI at https://api.openai.com/v1: not configured (no API key), skipped\n');
      expect(out.match(/Open WebUI is ready/g)).toHaveLength(1);
      expect(out).not.toMatch(/Server listening at|^\{"level"/m);
    } finally {
      await srv.stop();
    }
  });

  it('logs JSON lines with the original level names when not a terminal', { timeout: 40_000 }, async () => {
    const srv = await startServe({ OLLAMA_BASE_URL: 'http://127.0.0.1:9' });
    try {
      await srv.health();
      await srv.until(/Open WebUI is ready/);
      const lines = srv.out().trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; summary?: unknown });
      for (const l of lines) expect(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']).toContain(l.level);
      expect(lines.map((l) => l.level)).toContain('WARNING'); // the summary: Ollama is down
      const summary = lines.filter((l) => l.msg.startsWith('Open WebUI is ready'));
      expect(summary).toHaveLength(1);
      expect(lines.some((l) => l.msg.startsWith('Server listening at'))).toBe(false);
      expect(summary[0]!.summary).toEqual({ url: `http://127.0.0.1:${srv.port}`, connections: [{ kind: 'ollama', url: 'http://127.0.0.1:9', ok: false }, { kind: 'openai', url: 'https://api.openai.com/v1', ok: true }] });
    } finally {
      await srv.stop();
    }
  });

  it('is ready before a hanging model server answers; its result follows', { timeout: 40_000 }, async () => {
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const hang = createServer((sock) => void sockets.push(sock)); // accepts, never answers
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const hport = (hang.address() as { port: number }).port;
    const srv = await startServe({ LOG_FORMAT: 'text', OLLAMA_BASE_URL: `http://127.0.0.1:${hport}`, AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST: '5' });
    try {
      const healthyAt = await srv.health();
      await srv.until(/Open WebUI is ready/);
      const readyAt = Date.now();
      expect(readyAt - healthyAt).toBeGreaterThan(1_000); // the summary waited, /health did not
      expect(srv.out()).toMatch(/model connections: still checking \(no answer within 3 s\); results follow/);
      await srv.until(new RegExp(`Ollama at http://127\\.0\\.0\\.1:${hport}: NOT reachable: No answer from 127\\.0\\.0\\.1:${hport} within 5 s`));
    } finally {
      await srv.stop();
      sockets.forEach((x) => x.destroy());
      hang.close();
    }
  });

  // Start-up errors name what to change (item 4 of issue 21), one line each, no stack.
  function runCli(args: string[], extra: Record<string, string>, opts: { uid?: number; gid?: number } = {}) {
    const r = spawnSync(process.execPath, [bin, ...args], { env: env(extra), encoding: 'utf8', timeout: 20_000, ...opts });
    expect(r.stderr).not.toMatch(/\n\s+at |TypeError|ERR_PARSE_ARGS/);
    return r;
  }

  it('prints usage for an unknown option instead of a stack', () => {
    const r = runCli(['serve', '--prot', '1'], {});
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^open-webui: Unknown option '--prot'/);
    expect(r.stderr).toMatch(/Usage: open-webui serve \[--host HOST\] \[--port PORT\]/);
    const d = runCli(['doctor', '--bogus'], {});
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/Usage: open-webui doctor/);
  });

  it('names DATABASE_URL and the host when PostgreSQL is unreachable, without the password', async () => {
    const port = await freePort();
    const r = runCli(['serve', '--port', '0'], { DATABASE_URL: `postgresql://owui:hunter2@127.0.0.1:${port}/owui` });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`cannot reach the database at 127\\.0\\.0\\.1:${port} named by DATABASE_URL \\(postgresql://owui@127\\.0\\.0\\.1:${port}/owui\\): connect ECONNREFUSED`));
    expect(r.stderr).toMatch(/is PostgreSQL running/);
    expect(r.stderr).not.toContain('hunter2');
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('names the user or the database PostgreSQL refuses', () => {
    const u = new URL(process.env.TEST_DATABASE_URL!);
    u.username = 'owui_no_such_role';
    u.password = 'definitely-secret';
    const role = runCli(['serve', '--port', '0'], { DATABASE_URL: u.toString() });
    expect(role.status).toBe(1);
    expect(role.stderr).toMatch(/refused user 'owui_no_such_role'.*Check the user and password in DATABASE_URL/);
    expect(role.stderr).not.toContain('definitely-secret');
    const d = new URL(process.env.TEST_DATABASE_URL!);
    d.pathname = '/owui_no_such_db';
    const db = runCli(['serve', '--port', '0'], { DATABASE_URL: d.toString() });
    expect(db.status).toBe(1);
    expect(db.stderr).toMatch(/the database 'owui_no_such_db' does not exist on .*createdb owui_no_such_db/);
  });

  it('names DATA_DIR and the path when DATA_DIR is not a folder', () => {
    const file = path.join(env({}).DATA_DIR!, 'a-file');
    fs.writeFileSync(file, 'x');
    const r = runCli(['serve', '--port', '0'], { DATA_DIR: path.join(file, 'data') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^open-webui: cannot start: DATA_DIR '${path.join(file, 'data').replace(/[.]/g, '\\.')}' is not writable by user '[^']+' \\(uid \\d+\\): ENOTDIR`));
  });

  it.skipIf(process.getuid?.() !== 0)('names DATA_DIR, the path and the user when the user may not write there', () => {
    const dataDir = env({}).DATA_DIR!;
    fs.chmodSync(dataDir, 0o755); // readable, not writable, by 'nobody'
    const asNobody = { uid: 65534, gid: 65534 };
    const key = runCli(['serve', '--port', '0'], { DATA_DIR: dataDir }, asNobody);
    expect(key.status).toBe(1);
    expect(key.stderr).toContain(`DATA_DIR '${dataDir}' is not writable by user 'nobody' (uid 65534): EACCES`);
    expect(key.stderr).toContain(`chown -R nobody '${dataDir}'`);
    // With the key in the environment, the next thing to fail is the SQLite file.
    const db = runCli(['serve', '--port', '0'], { DATA_DIR: dataDir, WEBUI_SECRET_KEY: 'k' }, asNobody);
    expect(db.status).toBe(1);
    expect(db.stderr).toContain(`DATA_DIR '${dataDir}' is not writable by user 'nobody' (uid 65534)`);
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, refuses new connections, and closes the database', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = await startTestServer({}, {
      beforeListen(app) {
        app.get('/test/slow', { config: { auth: 'public' } }, async () => {
          await gate;
          return { finished: true };
        });
      },
    });
    const inflight = fetch(`${s.url}/test/slow`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await new Promise((r) => setTimeout(r, 100));
    let contextClosed = false;
    const closing = gracefulClose(s.app, async () => {
      await s.ctx.db.close();
      contextClosed = true;
    }, 5_000);
    await new Promise((r) => setTimeout(r, 100));
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
    expect(contextClosed).toBe(false);
    release();
    expect(await inflight).toEqual({ status: 200, body: { finished: true } });
    expect(await closing).toBe('closed');
    expect(contextClosed).toBe(true);
  });

  it('gives up after the timeout when a request never ends', async () => {
    const s = await startTestServer({}, {
      beforeListen(app) {
        app.get('/test/forever', { config: { auth: 'public' } }, () => new Promise(() => {}));
      },
    });
    void fetch(`${s.url}/test/forever`).catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    expect(await gracefulClose(s.app, () => s.ctx.db.close(), 300)).toBe('timeout');
    s.app.server.closeAllConnections();
  });
});

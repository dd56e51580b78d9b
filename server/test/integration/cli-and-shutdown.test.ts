import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gracefulClose } from '../../src/shutdown.js';
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
  beforeAll(() => {
    execFileSync(process.execPath, ['build.mjs'], { cwd: serverDir });
  });
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

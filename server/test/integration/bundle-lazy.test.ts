import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { buildServerOnce } from '../helpers/build-once.js';

/*
 * The built bundle is split into chunks loaded at first use (build.mjs); the tests run from source, so
 * only this file sees what esbuild made of those imports: a dynamic import of a CommonJS package
 * (cookie, inside @fastify/cookie) and Socket.IO created at the first socket request.
 */
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

// Either request may be the one that makes the server load Socket.IO.
for (const first of ['polling', 'websocket'] as const)
describe(`the built bundle loads its lazy chunks (first socket request: ${first})`, () => {
  let child: ChildProcess;
  let base = '';
  let dataDir = '';
  let upstream: FakeOpenAI;

  beforeAll(async () => {
    buildServerOnce();
    upstream = await startFakeOpenAI();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-bundle-'));
    const port = await freePort();
    const { TEST_DATABASE_URL: _t, DATABASE_URL: _d, REDIS_URL: _r, ...rest } = process.env;
    const env = { ...rest, DATA_DIR: dataDir, FRONTEND_BUILD_DIR: path.join(dataDir, 'none'), GLOBAL_LOG_LEVEL: 'error', WEBUI_SECRET_KEY: 'bundle-test-secret',
      // undici is loaded at the first outgoing request (build.mjs): one upstream that answers, one that refuses.
      OPENAI_API_BASE_URL: upstream.url, OPENAI_API_KEY: 'sk-bundle', OLLAMA_BASE_URL: `http://127.0.0.1:${await freePort()}` };
    child = spawn(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', String(port)], { env, stdio: 'ignore' });
    base = `http://127.0.0.1:${port}`;
    for (let up = false, t0 = Date.now(); !up; ) {
      if (Date.now() - t0 > 30_000) throw new Error('server did not start');
      up = await fetch(`${base}/health`).then((r) => r.ok, () => false);
      if (!up) await new Promise((r) => setTimeout(r, 25));
    }
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    await upstream?.close();
  });

  it('has the code cache of what its start compiled, for the next start (bin/load-bundle.cjs)', async () => {
    const id = fs.readFileSync(path.join(serverDir, 'dist', 'build-id'), 'utf8').trim();
    const dir = path.join(serverDir, 'dist', '.v8-cache', `${id}-${process.version}-${process.arch}`);
    const written = () => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => /^server\.import-[0-9a-f]+\.bin$/.test(f));
    // Written just after listen, on the next turn of the event loop.
    for (let t0 = Date.now(); !written() && Date.now() - t0 < 5000; ) await new Promise((r) => setTimeout(r, 20));
    expect(written()).toBe(true);
  });

  let token = '';
  it('signs up and sets the session cookie (cookie is imported dynamically by @fastify/cookie)', async () => {
    const res = await fetch(`${base}/api/v1/auths/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada', email: 'ada@example.com', password: 'correct-horse-9' }),
    });
    expect(res.status).toBe(200);
    token = ((await res.json()) as { token: string }).token;
    expect(res.headers.get('set-cookie')).toMatch(/^token=/);
  });

  it('takes a multipart upload (busboy is required at the first one) and reads the text back', async () => {
    const form = new FormData();
    form.append('file', new Blob(['The launch code is PELICAN-42.'], { type: 'text/plain' }), 'notes.txt');
    const res = await fetch(`${base}/api/v1/files/?process=true&process_in_background=false`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(res.status).toBe(200);
    const file = (await res.json()) as { id: string; filename: string };
    expect(file.filename).toBe('notes.txt');
    const content = await fetch(`${base}/api/v1/files/${file.id}/data/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await content.json()) as { content: string }).content).toContain('PELICAN-42');
  });

  it('lists and calls an upstream model through undici loaded on demand; a refusing Ollama is no error', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const models = await fetch(`${base}/api/models`, { headers });
    expect(models.status).toBe(200);
    expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toContain('gpt-4o-mini');
    const res = await fetch(`${base}/api/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: 'gpt-4o-mini', stream: false, messages: [{ role: 'user', content: 'hi' }] }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBeTruthy();
  });

  const polling = async () => {
    const res = await fetch(`${base}/ws/socket.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/"sid"/);
  };
  if (first === 'polling') it('answers a polling handshake, loading Socket.IO on demand', polling);

  it('accepts a websocket upgrade and a user-join', async () => {
    const socket = connect(base, { path: '/ws/socket.io', transports: ['websocket'], reconnection: false });
    try {
      const ack = await new Promise<unknown>((resolve, reject) => {
        socket.once('connect_error', reject);
        socket.once('connect', () => socket.emit('user-join', { auth: { token } }, resolve));
      });
      expect(ack).toMatchObject({ name: 'Ada' });
    } finally {
      socket.close();
    }
  });

  if (first === 'websocket') it('answers a polling handshake after the upgrade loaded Socket.IO', polling);

  it('still refuses a websocket request whose upgrade headers were stripped, with the edge message', async () => {
    const res = await fetch(`${base}/ws/socket.io/?EIO=4&transport=websocket`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ detail: 'Invalid WebSocket upgrade request' });
  });
});

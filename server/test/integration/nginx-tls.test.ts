import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPublicUrl } from '../../src/modules/doctor/doctor.public-url.js';
import { createUser } from '../factories/users.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Real nginx (the Debian package) with a self-signed certificate in front of the real server, using
 * docs/deploy/nginx.conf with only ports and certificate paths substituted. Runs whenever nginx is
 * installed; in CI (CI=true) a missing nginx is a failure, not a skip.
 */
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));
const DOC_CONF = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/deploy/nginx.conf');
const inCI = /^(1|true)$/i.test(process.env.CI ?? '');
if (!NGINX && !inCI) console.warn('nginx-tls.test: nginx binary not found (apt-get install nginx openssl); skipping the reverse-proxy test');

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, logs: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${logs()}`);
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.end(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx did not listen on ${port}: ${logs()}`);
}

/** The documented site file with this run's ports and certificate, inside a minimal main config. */
function nginxConfigFor(docConf: string, o: { dir: string; httpsPort: number; httpPort: number; upstreamPort: number }): string {
  const site = docConf
    .replace(/^\s*listen \[::\]:\d+.*$/gm, '')
    .replace(/listen 443 ssl;/, `listen 127.0.0.1:${o.httpsPort} ssl;`)
    .replace(/listen 80;/, `listen 127.0.0.1:${o.httpPort};`)
    .replace(/server 127\.0\.0\.1:8080;/, `server 127.0.0.1:${o.upstreamPort};`)
    .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${o.dir}/cert.pem;`)
    .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${o.dir}/key.pem;`);
  const root = process.getuid?.() === 0;
  return `${root ? 'user root;\n' : ''}worker_processes 1;
pid ${o.dir}/nginx.pid;
error_log ${o.dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${o.dir}/body;
  proxy_temp_path ${o.dir}/proxy;
  fastcgi_temp_path ${o.dir}/fastcgi;
  uwsgi_temp_path ${o.dir}/uwsgi;
  scgi_temp_path ${o.dir}/scgi;
${site}
}
`;
}

describe.skipIf(!NGINX && !inCI)('behind real nginx with TLS (docs/deploy/nginx.conf)', () => {
  let dir: string;
  let nginx: ChildProcess;
  let s: TestServer;
  let fake: FakeOpenAI;
  let base: string;
  let ca: string;
  let dispatcher: Agent;

  beforeAll(async () => {
    expect(NGINX, 'nginx must be installed in CI (apt-get install nginx openssl)').toBeTruthy();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-nginx-'));
    const cert = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { encoding: 'utf8' });
    expect(cert.status, cert.stderr).toBe(0);
    ca = fs.readFileSync(`${dir}/cert.pem`, 'utf8');
    dispatcher = new Agent({ connect: { ca } });

    fake = await startFakeOpenAI({ apiKey: 'sk-test', models: ['gpt-4o-mini'] });
    fake.reply = Array.from({ length: 12 }, (_, i) => `word${i}`).join(' ');
    fake.chunkDelayMs = 100;
    s = await startTestServer({ OPENAI_API_BASE_URLS: fake.url, OPENAI_API_KEYS: 'sk-test', ENABLE_OLLAMA_API: 'false' });

    const httpsPort = await freePort();
    const httpPort = await freePort();
    const conf = nginxConfigFor(fs.readFileSync(DOC_CONF, 'utf8'), { dir, httpsPort, httpPort, upstreamPort: Number(new URL(s.url).port) });
    fs.writeFileSync(`${dir}/nginx.conf`, conf);
    let logs = '';
    nginx = spawn(NGINX!, ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stderr!.on('data', (d) => (logs += d.toString()));
    await waitForPort(httpsPort, nginx, () => logs + (fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, 'utf8') : ''));
    base = `https://127.0.0.1:${httpsPort}`;
  }, 30_000);

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await dispatcher?.close();
    await s?.close();
    await fake?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('signs in over HTTPS, with HSTS and forwarded scheme/client seen by the server', async () => {
    const { user, password } = await createUser(s.ctx, { role: 'admin' });
    const signin = await fetch(`${base}/api/v1/auths/signin`, { dispatcher, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password }) });
    expect(signin.status).toBe(200);
    expect(signin.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
    const { token } = (await signin.json()) as { token: string };
    const me = await fetch(`${base}/api/v1/auths/`, { dispatcher, headers: { authorization: `Bearer ${token}` } });
    expect(((await me.json()) as { email: string }).email).toBe(user.email);
    const echo = (await (await fetch(`${base}/api/v1/doctor/echo`, { dispatcher })).json()) as { scheme: string; client_ip: string };
    expect(echo).toMatchObject({ scheme: 'https', client_ip: '127.0.0.1' });
  });

  it('connects Socket.IO over a websocket upgrade through the proxy', async () => {
    const { token } = await createUser(s.ctx, { role: 'user' });
    const socket = io(base, { path: '/ws/socket.io', transports: ['websocket'], auth: { token }, ca, reconnection: false, timeout: 5000 });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (e) => reject(e));
      });
      expect(socket.io.engine.transport.name).toBe('websocket');
    } finally {
      socket.close();
    }
  });

  it('streams a chat answer: the first token arrives long before the upstream finishes', async () => {
    const { token } = await createUser(s.ctx, { role: 'admin' });
    const started = Date.now();
    const res = await fetch(`${base}/openai/chat/completions`, {
      dispatcher,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    let first = -1;
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body!) {
      const piece = decoder.decode(chunk as Uint8Array, { stream: true });
      if (first < 0 && piece.includes('"content"')) first = Date.now() - started;
      text += piece;
    }
    const total = Date.now() - started;
    expect(text).toContain('data: [DONE]');
    expect(text).toContain('word11');
    // 12 chunks 100 ms apart: a buffering proxy would deliver everything at the end.
    expect(first).toBeGreaterThanOrEqual(0);
    expect(total - first).toBeGreaterThan(600);
  });

  it('passes every `open-webui doctor --url` check', async () => {
    const r = await checkPublicUrl(base, { insecure: true, timeoutMs: 5000 });
    expect(r.findings).toEqual([]);
    expect(r.steps.map((x) => [x.name, x.ok])).toEqual([
      ['health', true],
      ['forwarded', true],
      ['websocket', true],
      ['streaming', true],
    ]);
  });
});

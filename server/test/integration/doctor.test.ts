import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { runDoctor } from '../../src/modules/doctor/doctor.cli.js';
import { probeConnection } from '../../src/modules/doctor/doctor.probe.js';
import { checkPublicUrl } from '../../src/modules/doctor/doctor.public-url.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const opts = { timeoutMs: 3000, inContainer: false, verifyTls: true };
const codes = (r: { findings: { code: string }[] }) => r.findings.map((f) => f.code);

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A misconfigured reverse proxy: drops hop-by-hop headers (so no websocket upgrade) and buffers whole responses. */
async function startBufferingProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const t = new URL(target);
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers };
    delete headers.upgrade;
    delete headers.connection;
    const up = http.request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        const body = Buffer.concat(chunks);
        const h = { ...r.headers };
        delete h['transfer-encoding'];
        res.writeHead(r.statusCode ?? 502, { ...h, 'content-length': body.length });
        res.end(body);
      });
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('doctor probes', () => {
  let ollama: FakeOllama;
  let openai: FakeOpenAI;
  let s: TestServer;
  beforeAll(async () => {
    ollama = await startFakeOllama({ models: ['llama3.2:latest', 'qwen3:8b'] });
    openai = await startFakeOpenAI({ apiKey: 'sk-good', models: ['gpt-4o-mini'] });
    s = await startTestServer({ OLLAMA_BASE_URLS: ollama.url, OPENAI_API_BASE_URLS: openai.url, OPENAI_API_KEYS: 'sk-good' });
  });
  afterAll(async () => {
    await s.close();
    await ollama.close();
    await openai.close();
  });

  it('reports healthy connections with version, model count and latency (admin only)', async () => {
    const { token } = await createUser(s.ctx, { role: 'admin' });
    const res = await s.request('GET', '/api/v1/doctor', { token });
    expect(res.status).toBe(200);
    const report = await res.json();
    expect(report.ok).toBe(true);
    const [o, a] = report.connections;
    expect(o).toMatchObject({ kind: 'ollama', ok: true, version: '0.6.8', model_count: 2, findings: [] });
    expect(o.steps.map((x: { name: string }) => x.name)).toEqual(['tcp', 'http', 'models']);
    expect(a).toMatchObject({ kind: 'openai', ok: true, model_count: 1, findings: [] });
    expect(typeof a.latency_ms).toBe('number');
    expect(JSON.stringify(report)).not.toContain('sk-good');
    const user = await createUser(s.ctx, { role: 'user' });
    expect((await s.request('GET', '/api/v1/doctor', { token: user.token })).status).toBe(401);
  });

  it('diagnoses a dead host name', async () => {
    const r = await probeConnection({ kind: 'ollama', url: 'http://ollama-does-not-exist.invalid:11434' }, opts);
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(['DNS_FAILED']);
    expect(r.steps[0]).toMatchObject({ name: 'dns', ok: false });
  });

  it('says nothing listens (is Ollama running?) when a local port refuses', async () => {
    const port = await closedPort();
    const bare = await probeConnection({ kind: 'ollama', url: `http://127.0.0.1:${port}` }, opts);
    expect(codes(bare)).toEqual(['CONNECTION_REFUSED']);
    expect(bare.findings[0]!.message).toBe(`Nothing listens on 127.0.0.1:${port} — is Ollama running?`);
    expect(bare.findings[0]!.fix).toMatch(/`ollama serve`/);
    expect(bare.findings[0]!.fix).toMatch(/11434/);
    const openaiRefused = await probeConnection({ kind: 'openai', url: `http://127.0.0.1:${port}/v1` }, opts);
    expect(openaiRefused.findings[0]!.message).toBe(`Nothing listens on 127.0.0.1:${port}.`);
  });

  it('inside a container, a stopped Ollama is still "is Ollama running?" first; the loopback case is only a note', async () => {
    const port = await closedPort();
    // The host alias does not answer on that port either (here: nothing on 127.0.0.3).
    const boxed = await probeConnection({ kind: 'ollama', url: `http://localhost:${port}` }, { ...opts, inContainer: true, hostAlias: '127.0.0.3' });
    expect(codes(boxed)).toEqual(['CONNECTION_REFUSED', 'LOOPBACK_IN_CONTAINER']);
    expect(boxed.findings.map((f) => f.severity)).toEqual(['error', 'info']);
    expect(boxed.findings[1]!.fix).toMatch(/host\.docker\.internal/);
  });

  it('inside a container, names the loopback mistake first when the host answers on that port', async () => {
    // Something listens on the "host" (127.0.0.2) but not on the container's own loopback (127.0.0.1).
    const host = net.createServer((c) => c.end());
    await new Promise<void>((r) => host.listen(0, '127.0.0.2', r));
    const { port } = host.address() as net.AddressInfo;
    try {
      const boxed = await probeConnection({ kind: 'ollama', url: `http://127.0.0.1:${port}` }, { ...opts, inContainer: true, hostAlias: '127.0.0.2' });
      expect(codes(boxed)).toEqual(['LOOPBACK_IN_CONTAINER']);
      expect(boxed.findings[0]!.severity).toBe('error');
      expect(boxed.findings[0]!.message).toMatch(/Ollama answers on the host \(127\.0\.0\.2:\d+\)/);
      expect(boxed.findings[0]!.fix).toMatch(/--network=host/);
    } finally {
      await new Promise((r) => host.close(r));
    }
  });

  it('an Ollama URL ending in /api on the right port is OLLAMA_URL_HAS_PATH, not NOT_OLLAMA', async () => {
    for (const suffix of ['/api', '/api/', '/v1']) {
      const r = await probeConnection({ kind: 'ollama', url: `${ollama.url}${suffix}` }, opts);
      expect(codes(r)).toEqual(['OLLAMA_URL_HAS_PATH']);
      expect(r.ok).toBe(false);
      expect(r.findings[0]!.fix).toContain(`Use ${ollama.url} as the Ollama URL`);
      expect(r.version).toBe('0.6.8');
    }
  });

  it('skips the default OpenAI connection when it has no key (an Ollama-only set-up)', async () => {
    const only = await startTestServer({ OLLAMA_BASE_URL: ollama.url, OPENAI_API_BASE_URL: 'https://api.openai.com/v1', OPENAI_API_KEY: '' });
    try {
      const lines: string[] = [];
      const env = { DATA_DIR: only.dataDir, WEBUI_SECRET_KEY: 'test-secret', OLLAMA_BASE_URL: ollama.url };
      const dbEnv = only.ctx.config.database.dialect === 'postgres' ? { DATABASE_URL: only.ctx.config.database.url } : {};
      expect(await runDoctor(loadConfig({ ...env, ...dbEnv }), [], (l) => lines.push(l))).toBe(0);
      const text = lines.join('\n');
      expect(text).toMatch(/openai https:\/\/api\.openai\.com\/v1: skipped/);
      expect(text).toMatch(/INFO \[NOT_CONFIGURED\]/);
      expect(text).not.toMatch(/DNS_FAILED|Docker Compose/);
      expect(text).toMatch(/No problems found/);
    } finally {
      await only.close();
    }
  });

  it('prints the start-up warning for OLLAMA_BASE_URL=host:port and uses it as http://', async () => {
    const bare = ollama.url.replace('http://', '');
    const own = await startTestServer({ OLLAMA_BASE_URL: bare, ENABLE_OPENAI_API: 'false' });
    try {
      const lines: string[] = [];
      const dbEnv = own.ctx.config.database.dialect === 'postgres' ? { DATABASE_URL: own.ctx.config.database.url } : {};
      const cfg = loadConfig({ DATA_DIR: own.dataDir, WEBUI_SECRET_KEY: 'test-secret', OLLAMA_BASE_URL: bare, ENABLE_OPENAI_API: 'false', ...dbEnv });
      expect(await runDoctor(cfg, [], (l) => lines.push(l))).toBe(0);
      expect(lines.join('\n')).toMatch(/WARNING OLLAMA_BASE_URL: '127\.0\.0\.1:\d+' has no scheme; using 'http:\/\/127\.0\.0\.1:\d+'/);
      expect(lines.join('\n')).toMatch(/ollama http:\/\/127\.0\.0\.1:\d+: ok, version 0\.6\.8, 2 models/);
    } finally {
      await own.close();
    }
  });

  it('reports a server that accepts but never answers as TIMEOUT within the model-list timeout', async () => {
    ollama.script({ hang: /^\/api\/version$/ });
    try {
      const r = await probeConnection({ kind: 'ollama', url: ollama.url }, { ...opts, timeoutMs: 500 });
      expect(codes(r)).toEqual(['TIMEOUT']);
      expect(r.findings[0]!.message).toMatch(/No answer from 127\.0\.0\.1:\d+ within 0\.5 s \(GET \/api\/version\)/);
    } finally {
      ollama.script({ hang: false });
    }
  });

  it('notices a port that answers but is not Ollama (e.g. Open WebUI itself)', async () => {
    const r = await probeConnection({ kind: 'ollama', url: s.url }, opts);
    expect(codes(r)).toEqual(['NOT_OLLAMA']);
  });

  it('finds an OpenAI URL missing /v1', async () => {
    const r = await probeConnection({ kind: 'openai', url: openai.origin, key: 'sk-good' }, opts);
    expect(codes(r)).toEqual(['MISSING_V1']);
    expect(r.findings[0]!.fix).toContain(`${openai.origin}/v1`);
  });

  it('tells a refused key from a missing one', async () => {
    const bad = await probeConnection({ kind: 'openai', url: openai.url, key: 'sk-wrong' }, opts);
    expect(codes(bad)).toEqual(['KEY_REFUSED']);
    expect(bad.findings[0]!.message).toMatch(/401/);
    const none = await probeConnection({ kind: 'openai', url: openai.url, key: '' }, opts);
    expect(codes(none)).toEqual(['KEY_MISSING']);
  });

  it('explains a TLS failure (https:// to a plain-HTTP port)', async () => {
    const r = await probeConnection({ kind: 'ollama', url: ollama.url.replace('http:', 'https:') }, opts);
    expect(codes(r)).toEqual(['TLS_ERROR']);
    expect(r.findings[0]!.fix).toMatch(/http:\/\//);
  });

  it('probes an ad-hoc URL through the admin API and validates the body', async () => {
    const { token } = await createUser(s.ctx, { role: 'admin' });
    const res = await s.request('POST', '/api/v1/doctor/probe', { token, body: { kind: 'openai', url: openai.origin, key: 'sk-good' } });
    expect((await res.json()).findings[0].code).toBe('MISSING_V1');
    const bad = await s.request('POST', '/api/v1/doctor/probe', { token, body: { kind: 'gopher', url: 'x' } });
    expect(bad.status).toBe(422);
  });

  it('CLI: exit 0 and a JSON report when healthy, 1 with the fix when not', async () => {
    const lines: string[] = [];
    const env = { DATA_DIR: s.dataDir, WEBUI_SECRET_KEY: 'test-secret', OLLAMA_BASE_URLS: ollama.url, OPENAI_API_BASE_URLS: openai.url, OPENAI_API_KEYS: 'sk-good' };
    const dbEnv = s.ctx.config.database.dialect === 'postgres' ? { DATABASE_URL: s.ctx.config.database.url } : {};
    expect(await runDoctor(loadConfig({ ...env, ...dbEnv }), ['--json'], (l) => lines.push(l))).toBe(0);
    expect(JSON.parse(lines.join('\n')).connections).toHaveLength(2);
    const text: string[] = [];
    const code = await runDoctor(loadConfig({ ...env, ...dbEnv, OPENAI_API_BASE_URLS: openai.origin }), [], (l) => text.push(l));
    expect(code).toBe(1);
    expect(text.join('\n')).toMatch(/MISSING_V1[\s\S]*fix: Set the connection URL to/);
  });
});

describe('doctor --url (public address through a proxy)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  it('passes straight to the server: upgrade accepted or reached, events streamed', async () => {
    const r = await checkPublicUrl(s.url, { timeoutMs: 5000 });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.steps.find((x) => x.name === 'streaming')!.ok).toBe(true);
  });

  it('catches a proxy that strips Upgrade and buffers streams', async () => {
    const proxy = await startBufferingProxy(s.url);
    try {
      const r = await checkPublicUrl(proxy.url, { timeoutMs: 5000 });
      expect(r.ok).toBe(false);
      expect(codes(r)).toEqual(expect.arrayContaining(['UPGRADE_STRIPPED', 'SSE_BUFFERED']));
      expect(r.findings.find((f) => f.code === 'SSE_BUFFERED')!.fix).toMatch(/proxy_buffering off/);
    } finally {
      await proxy.close();
    }
  });
});

/**
 * The e2e stack: the built server (server/dist + web/build, built once if missing) started as a real
 * process on a free loopback port with a fresh DATA_DIR, pointed at the scripted fake Ollama running in
 * this process, and Debian's Chromium driven by playwright-core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startFakeOllama, type FakeOllama, type FakeOllamaScript } from '../server/test/fakes/fake-ollama.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function ensureBuilt(): void {
  const server = path.join(ROOT, 'server', 'dist', 'server.cjs');
  const web = path.join(ROOT, 'web', 'build', 'index.html');
  if (fs.existsSync(server) && fs.existsSync(web) && !process.env.E2E_REBUILD) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Stack {
  baseUrl: string;
  ollama: FakeOllama;
  browser: Browser;
  dataDir: string;
  /** Server output, for failure messages. */
  logs: () => string;
  newPage(opts?: { locale?: string; viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

export async function startStack(opts: { ollama?: Partial<FakeOllamaScript>; env?: Record<string, string>; browserArgs?: string[] } = {}): Promise<Stack> {
  ensureBuilt();
  const ollama = await startFakeOllama({ models: ['llama3:latest'], ...opts.ollama });
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-e2e-'));
  let out = '';
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'server', 'bin', 'open-webui.mjs'), 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      WEBUI_SECRET_KEY: 'e2e-secret-key-e2e-secret-key-0123',
      OLLAMA_BASE_URL: ollama.url,
      ENABLE_OPENAI_API: 'false',
      GLOBAL_LOG_LEVEL: 'WARNING',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const baseUrl = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${baseUrl}/health`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start within 30 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...(opts.browserArgs ?? [])],
  });
  const contexts: BrowserContext[] = [];

  return {
    baseUrl,
    ollama,
    browser,
    dataDir,
    logs: () => out,
    async newPage({ locale = 'en-US', viewport = { width: 1280, height: 800 } } = {}) {
      const ctx = await browser.newContext({ baseURL: baseUrl, locale, viewport });
      ctx.setDefaultTimeout(10_000);
      contexts.push(ctx);
      return ctx.newPage();
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      await ollama.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/** Creates an account through the API (not the UI) when a spec only needs it to exist. */
export async function apiSignup(baseUrl: string, name: string, email: string, password: string): Promise<{ token: string; role: string; id: string }> {
  const r = await fetch(`${baseUrl}/api/v1/auths/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, email, password }),
  });
  if (!r.ok) throw new Error(`signup ${r.status}: ${await r.text()}`);
  return r.json() as Promise<{ token: string; role: string; id: string }>;
}

export async function apiCall<T>(baseUrl: string, token: string, method: string, p: string, body?: unknown): Promise<T> {
  const r = await fetch(`${baseUrl}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${method} ${p} ${r.status}: ${await r.text()}`);
  return r.json() as Promise<T>;
}


/**
 * Bodies of the fake Ollama's /api/chat requests that came from the chat itself, leaving out the
 * background title/tags/follow-up tasks that run after a reply (their prompt quotes the conversation in
 * <chat_history>), so "the last chat request" does not depend on how fast those tasks are.
 */
export function chatRequests(stack: Stack): { model?: string; messages: { role: string; content: string }[]; options?: Record<string, unknown>; [k: string]: unknown }[] {
  type Body = ReturnType<typeof chatRequests>[number];
  return stack.ollama.requests
    .filter((r) => r.path === '/api/chat')
    .map((r) => r.body as Body)
    .filter((b) => !(b?.messages ?? []).some((m) => typeof m.content === 'string' && m.content.includes('<chat_history>')));
}

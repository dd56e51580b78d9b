import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startInstance, type Instance } from '../helpers/instances.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/test-database.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

interface Msg {
  content: string;
  done?: boolean;
  error?: { content: string } | null;
}

/**
 * Socket-delivered replies across SIGTERM and kill -9, with real server processes on one database
 * (a SQLite DATA_DIR kept between instances, or one PostgreSQL database).
 */
describe('background replies across shutdown and crash', () => {
  let ollama: FakeOllama;
  let dataDir: string;
  let db: { url: string; drop(): Promise<void> } | null = null;
  let token = '';
  const running: Instance[] = [];

  const env = (extra: Record<string, string>) => ({
    OLLAMA_BASE_URL: ollama.url,
    ENABLE_OPENAI_API: 'false',
    WEBUI_SECRET_KEY: 'shutdown-secret',
    DATA_DIR: dataDir,
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...extra,
  });
  const start = async (extra: Record<string, string> = {}) => {
    const i = await startInstance('sd', env(extra));
    running.push(i);
    return i;
  };
  const api = async (i: Instance, method: string, p: string, body?: unknown) => {
    const res = await fetch(i.url + p, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const startReply = async (i: Instance, messageId: string) => {
    const chat = await api(i, 'POST', '/api/v1/chats/new', {
      chat: { title: 'c', history: { currentId: 'u1', messages: { u1: { id: 'u1', parentId: null, childrenIds: [], role: 'user', content: 'hi' } } } },
    });
    const res = await api(i, 'POST', '/api/chat/completions', {
      model: 'llama3:latest',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      chat_id: chat.body.id,
      id: messageId,
      parent_id: 'u1',
      session_id: 'sess',
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe(true);
    return chat.body.id as string;
  };
  const message = async (i: Instance, chatId: string, messageId: string): Promise<Msg> =>
    (await api(i, 'GET', `/api/v1/chats/${chatId}`)).body.chat.history.messages[messageId];

  beforeAll(async () => {
    ollama = await startFakeOllama({ models: ['llama3:latest'] });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-shutdown-'));
    if (POSTGRES_URL) db = await createPostgresDatabase();
    const first = await start();
    const signup = await fetch(`${first.url}/api/v1/auths/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Admin', email: 'admin@example.com', password: 'Passw0rd!' }),
    });
    token = ((await signup.json()) as { token: string }).token;
    await first.stop();
  }, 60_000);
  afterAll(async () => {
    for (const i of running) await i.kill();
    await ollama.close();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('SIGTERM lets a background reply finish within SHUTDOWN_TIMEOUT', { timeout: 60_000 }, async () => {
    ollama.script({ reply: words(30), tokenDelayMs: 40 });
    const a = await start({ SHUTDOWN_TIMEOUT: '10' });
    const chatId = await startReply(a, 'r-drain');
    await sleep(300);
    await a.stop();
    const b = await start();
    const m = await message(b, chatId, 'r-drain');
    expect(m.content.trim()).toBe(words(30));
    expect(m.done).toBe(true);
    expect(m.error ?? null).toBeNull();
    await b.stop();
  });

  it('a reply cut by the shutdown budget is stored as interrupted', { timeout: 60_000 }, async () => {
    ollama.script({ reply: words(400), tokenDelayMs: 30 });
    const a = await start({ SHUTDOWN_TIMEOUT: '2' });
    const chatId = await startReply(a, 'r-cut');
    await sleep(800);
    const t = Date.now();
    await a.stop();
    expect(Date.now() - t).toBeLessThan(6000);
    const b = await start();
    const m = await message(b, chatId, 'r-cut');
    expect(m.done).toBe(true);
    expect(m.error?.content).toMatch(/interrupted/i);
    expect(m.content.length).toBeGreaterThan(0);
    expect(m.content.trim()).not.toBe(words(400));
    await b.stop();
  });

  it('after kill -9 the next start marks the orphaned reply interrupted', { timeout: 60_000 }, async () => {
    ollama.script({ reply: words(400), tokenDelayMs: 30 });
    const a = await start();
    const chatId = await startReply(a, 'r-crash');
    await sleep(1500); // a periodic save has landed
    await a.kill();
    const b = await start();
    const m = await message(b, chatId, 'r-crash');
    expect(m.done).toBe(true);
    expect(m.error?.content).toMatch(/interrupted/i);
    expect(m.content.length).toBeGreaterThan(0);
    await b.stop();
  });
});

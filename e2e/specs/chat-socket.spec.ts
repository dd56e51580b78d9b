import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'playwright-core';
import { apiSignup, startStack, type Stack } from '../fixtures.ts';
import { ChatPage } from '../pages/chat-page.ts';

/** Replies travel as Socket.IO `events` (issue 7's mode), and a reload mid-reply picks the task up again. */
describe('chat over the socket', () => {
  let stack: Stack;
  let chat: ChatPage;
  const frames: string[] = [];
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    stack = await startStack({ ollama: { models: ['llama3:latest'], reply: 'Socket words arrive here.', tokenDelayMs: 40 } });
    await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
    const page = await stack.newPage();
    page.on('websocket', (ws) => {
      if (!ws.url().includes('/ws/socket.io')) return;
      sockets.push(ws);
      ws.on('framereceived', (f) => frames.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8')));
    });
    chat = await ChatPage.signIn(page, 'ada@example.com', 'pass-word-1');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the reply arrives as chat:completion events on the page websocket', async () => {
    // Socket.IO's handshake answer ("0{...sid...}") then the namespace connect ("40{...}").
    await expect.poll(() => frames.some((f) => f.startsWith('40')), { timeout: 10_000 }).toBe(true);
    await chat.send('Over the socket please');
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).toContain('Socket words arrive here.');
    const events = frames.filter((f) => f.startsWith('42') && f.includes('"chat:completion"'));
    expect(events.length).toBeGreaterThan(2);
    expect(events.some((f) => f.includes('Socket words arrive here.') && f.includes('"done":true'))).toBe(true);
    expect(sockets[0]!.url()).toContain('transport=websocket');
  });

  it('a reload mid-reply shows the saved part and keeps following the running task', async () => {
    stack.ollama.script({ reply: Array.from({ length: 60 }, (_, i) => `t${i}`).join(' '), tokenDelayMs: 60 });
    await chat.newChat();
    await expect.poll(() => frames.filter((f) => f.startsWith('40')).length).toBeGreaterThan(0);
    await chat.send('Count slowly');
    await expect.poll(() => chat.lastReplyText().then((t) => t.includes('t12')), { timeout: 10_000 }).toBe(true);
    await chat.page.waitForURL(/\/c\/[\w-]+$/);
    await chat.page.reload();
    await chat.assistant().waitFor();
    // The partial text saved by the server is there at once, and the stop button shows the task runs.
    expect(await chat.lastReplyText()).toContain('t5');
    expect(await chat.lastReplyText()).not.toContain('t59');
    await chat.stopButton().waitFor();
    await expect.poll(() => chat.lastReplyText().then((t) => t.includes('t59')), { timeout: 15_000 }).toBe(true);
    await chat.waitReplyDone();
  });

  it('leaving a chat mid-reply does not stop it: reopened, it is still streaming or finished', async () => {
    stack.ollama.script({ reply: Array.from({ length: 50 }, (_, i) => `n${i}`).join(' '), tokenDelayMs: 50 });
    await chat.newChat();
    await chat.send('Keep going while I look elsewhere');
    await expect.poll(() => chat.lastReplyText().then((t) => t.includes('n5')), { timeout: 10_000 }).toBe(true);
    await chat.page.waitForURL(/\/c\/[\w-]+$/);
    const url = chat.page.url();
    await chat.newChat();
    await chat.page.waitForTimeout(500);
    await chat.page.getByTestId('chat-link').filter({ hasText: 'Keep going' }).click();
    await chat.page.waitForURL(url);
    await expect.poll(() => chat.lastReplyText().then((t) => t.includes('n49')), { timeout: 15_000 }).toBe(true);
    await chat.waitReplyDone();
    expect(stack.ollama.requests.some((r) => r.aborted)).toBe(false);
  });

  it('stop asks the server to stop the task, which aborts the upstream call', async () => {
    stack.ollama.script({ reply: Array.from({ length: 200 }, (_, i) => `s${i}`).join(' '), tokenDelayMs: 50 });
    const stops: string[] = [];
    chat.page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/api/tasks/stop/')) stops.push(r.url());
    });
    await chat.newChat();
    await chat.send('Count for a long time');
    await expect.poll(() => chat.lastReplyText().then((t) => t.length), { timeout: 10_000 }).toBeGreaterThan(5);
    await chat.stopButton().click();
    await chat.waitReplyDone();
    expect(stops).toHaveLength(1);
    await stack.ollama.waitForAbort(5000);
    const text = await chat.lastReplyText();
    expect(text).not.toContain('s199');
    await chat.page.waitForTimeout(400);
    expect(await chat.lastReplyText()).toBe(text);
    // The server saved the reply as it stood when stopped.
    await chat.page.reload();
    await chat.assistant().waitFor();
    expect(await chat.lastReplyText()).toBe(text);
  });
});

describe('chat over the socket with ENABLE_WEBSOCKET_SUPPORT=false', () => {
  let stack: Stack;
  afterAll(async () => {
    await stack?.close();
  });

  it('the client uses long-polling and the reply still arrives as events', async () => {
    stack = await startStack({ ollama: { reply: 'Polled words arrive.', tokenDelayMs: 20 }, env: { ENABLE_WEBSOCKET_SUPPORT: 'false' } });
    await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
    const page = await stack.newPage();
    const upgrades: string[] = [];
    const polled: string[] = [];
    page.on('websocket', (ws) => upgrades.push(ws.url()));
    page.on('response', async (r) => {
      if (r.url().includes('/ws/socket.io/') && r.url().includes('transport=polling') && r.request().method() === 'GET') {
        polled.push(await r.text().catch(() => ''));
      }
    });
    const chat = await ChatPage.signIn(page, 'ada@example.com', 'pass-word-1');
    await expect.poll(() => polled.some((b) => b.includes('40')), { timeout: 10_000 }).toBe(true);
    await chat.send('Poll me');
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).toContain('Polled words arrive.');
    await expect.poll(() => polled.some((b) => b.includes('"chat:completion"'))).toBe(true);
    expect(upgrades.filter((u) => u.includes('/ws/socket.io'))).toEqual([]);
  });
});

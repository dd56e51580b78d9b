import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSignup, startStack, type Stack } from '../fixtures.ts';
import { ChatPage } from '../pages/chat-page.ts';

const BUDGET = 250 * 1024;

describe('first-load budget', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the first page load through sign-in to the chat fetches under 250 KB of gzipped JS', async () => {
    const page = await stack.newPage();
    const js = new Map<string, number>();
    page.on('response', async (res) => {
      if (!res.url().endsWith('.js') || js.has(res.url())) return;
      js.set(res.url(), 0);
      js.set(res.url(), gzipSync(await res.body(), { level: 9 }).length);
    });
    await ChatPage.signIn(page, 'ada@example.com', 'pass-word-1');
    await page.waitForLoadState('networkidle');
    const total = [...js.values()].reduce((a, b) => a + b, 0);
    console.log(`first-load JS: ${js.size} files, ${(total / 1024).toFixed(1)} KB gzipped`);
    expect(js.size).toBeGreaterThan(0);
    expect(total).toBeLessThan(BUDGET);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, apiSignup, screenshot, startStack, type Stack } from '../fixtures.ts';
import { AuthPage } from '../pages/auth-page.ts';
import { ChatPage } from '../pages/chat-page.ts';

/** Issue 16's defects, each as a user meets it in Chromium (desktop, English). */
describe('chat app defects (issue 16)', () => {
  let stack: Stack;
  let chat: ChatPage;
  let admin: { token: string };
  beforeAll(async () => {
    stack = await startStack({
      ollama: {
        models: ['fake-embed:latest', 'llama3:latest', 'nomic-embed-text:latest', 'qwen2:7b'],
        reply: 'Hello there, see [the docs](https://example.com/docs).',
      },
      // Connection tags show in the model menu.
      env: { OLLAMA_API_CONFIGS: JSON.stringify({ '0': { tags: [{ name: 'local' }] } }) },
    });
    admin = await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
    const page = await stack.newPage();
    chat = await ChatPage.signIn(page, 'ada@example.com', 'pass-word-1');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('1. the picker offers no embedding model, New Chat keeps the last choice, "Set as default" saves it', async () => {
    const page = chat.page;
    await expect.poll(() => chat.modelValue()).toBe('llama3:latest');
    await page.getByTestId('model-select').click();
    const ids = await page.getByTestId('model-option').evaluateAll((els) => els.map((e) => e.getAttribute('data-model-id')));
    expect(ids).toEqual(['llama3:latest', 'qwen2:7b']);
    expect(await page.getByTestId('model-option').first().innerText()).toContain('LOCAL');
    await screenshot(page, 'model-menu');
    await page.getByTestId('model-search').fill('qwen');
    expect(await page.getByTestId('model-option').count()).toBe(1);
    await page.getByTestId('model-search').press('Enter');
    expect(await chat.modelValue()).toBe('qwen2:7b');
    await chat.send('Hi');
    await chat.waitReplyDone();
    await chat.newChat();
    expect(await chat.modelValue()).toBe('qwen2:7b');
    await page.reload();
    await chat.waitReady();
    await expect.poll(() => chat.modelValue()).toBe('qwen2:7b');

    await page.getByTestId('set-default-model').click();
    await page.getByTestId('default-saved').waitFor();
    const settings = await apiCall<{ ui: { models: string[] } }>(stack.baseUrl, admin.token, 'GET', '/api/v1/users/user/settings');
    expect(settings.ui.models).toEqual(['qwen2:7b']);
    await chat.selectModel('llama3:latest');
  });

  it('2. Stop ends the reply as a normal end: no error, no connection hint', async () => {
    stack.ollama.script({ reply: Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '), tokenDelayMs: 40 });
    await chat.newChat();
    await chat.send('Count slowly');
    await expect.poll(() => chat.lastReplyText().then((t) => t.length), { timeout: 10_000 }).toBeGreaterThan(5);
    await chat.stopButton().click();
    await chat.waitReplyDone();
    await chat.page.waitForTimeout(500);
    expect(await chat.page.getByTestId('message-error').count()).toBe(0);
    await chat.page.reload();
    await chat.assistant().waitFor();
    expect(await chat.page.getByTestId('message-error').count()).toBe(0);
  });

  it('6. the composer grows, has the focus on load / New Chat / after sending, and Esc stops a reply', async () => {
    const page = chat.page;
    await chat.newChat();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('chat-input');
    const input = page.getByTestId('chat-input');
    const h1 = (await input.boundingBox())!.height;
    await input.fill('one\ntwo\nthree\nfour\nfive');
    const h2 = (await input.boundingBox())!.height;
    expect(h2).toBeGreaterThan(h1 + 40);
    await input.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('chat-input');
    await page.waitForURL(/\/c\//);
    await expect.poll(() => chat.lastReplyText().then((t) => t.length), { timeout: 10_000 }).toBeGreaterThan(3);
    await page.keyboard.press('Escape');
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).not.toContain('w199');
    await page.reload();
    await chat.waitReady();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('chat-input');
  });

  it('6. the chat ⋯ menu closes on an outside click and on Esc; an empty search says "No results"', async () => {
    const page = chat.page;
    const item = page.getByTestId('chat-item').first();
    await item.getByTestId('chat-menu').click();
    await page.getByTestId('chat-menu-panel').waitFor();
    await page.getByTestId('messages').click({ position: { x: 10, y: 10 } });
    await page.getByTestId('chat-menu-panel').waitFor({ state: 'detached' });
    await item.getByTestId('chat-menu').click();
    await page.getByTestId('chat-menu-panel').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('chat-menu-panel').waitFor({ state: 'detached' });

    await page.getByTestId('chat-search').fill('zzz-nothing-matches');
    await page.getByTestId('search-no-results').waitFor();
    expect(await page.getByTestId('search-no-results').innerText()).toBe('No results found');
    await page.getByTestId('chat-search').fill('');
  });

  it('8. links in model output open in a new tab with rel="noopener noreferrer"', async () => {
    stack.ollama.script({ reply: 'Hello there, see [the docs](https://example.com/docs).', tokenDelayMs: 0 });
    await chat.newChat();
    await chat.send('Link please');
    await chat.waitReplyDone();
    const link = chat.assistant().locator('a[href="https://example.com/docs"]');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('12. the title has no markdown (task model) and the browser tab names the chat', async () => {
    const page = chat.page;
    // Only this chat's title request: the previous chat's background title task may still be on its way.
    stack.ollama.script({ replyWhen: [{ prompt: /short title[\s\S]*Say \*\*hello\*\*/, reply: '{"title": "**Greeting** `chat` #1"}' }] });
    await chat.newChat();
    await chat.send('# Say **hello** to `me`');
    await chat.waitReplyDone();
    await expect.poll(() => page.getByTestId('chat-title').innerText(), { timeout: 10_000 }).toBe('Greeting chat 1');
    await expect.poll(() => page.title()).toBe('Greeting chat 1 • Open WebUI');
    await page.getByTestId('chat-link').filter({ hasText: 'Greeting chat 1' }).waitFor();
    stack.ollama.script({ replyWhen: [] });
  });

  it('4. the sidebar loads more than 60 chats as it scrolls, grouped by date', async () => {
    const now = Math.floor(Date.now() / 1000);
    const chats = Array.from({ length: 75 }, (_, i) => ({
      chat: { title: `Old chat ${i}`, models: ['llama3:latest'], history: { messages: {}, currentId: null } },
      meta: {},
      pinned: false,
      created_at: now - 86400 * (2 + i),
      updated_at: now - 86400 * (2 + i),
    }));
    await apiCall(stack.baseUrl, admin.token, 'POST', '/api/v1/chats/import', { chats });
    const page = chat.page;
    await page.reload();
    await chat.waitReady();
    await page.getByTestId('chat-link').filter({ hasText: 'Old chat 0' }).waitFor();
    const labels = await page.getByTestId('chat-group').allInnerTexts();
    expect(labels.slice(0, 3)).toEqual(['Today', 'Previous 7 days', 'Previous 30 days']);
    const before = await page.getByTestId('chat-link').count();
    expect(before).toBeLessThanOrEqual(60 + 8);
    await page.getByTestId('chat-list-more').scrollIntoViewIfNeeded();
    await page.getByTestId('chat-link').filter({ hasText: 'Old chat 74' }).waitFor();
    expect(await page.getByTestId('chat-link').count()).toBeGreaterThan(75);
    await screenshot(page, 'sidebar-groups');
  });

  it('10. an invalid JWT expiry is refused with the reason, not shown as "Saved"', async () => {
    const page = chat.page;
    await page.goto('/admin/settings/general');
    await page.getByTestId('jwt-expiry').fill('banana');
    await page.getByTestId('admin-auth-save').click();
    await page.getByTestId('jwt-expiry-error').waitFor();
    expect(await page.getByTestId('jwt-expiry-error').innerText()).toContain("'banana' is not a valid JWT expiration");
    expect(await page.getByTestId('admin-auth-saved').count()).toBe(0);
    await page.getByTestId('jwt-expiry').fill('2w');
    await page.getByTestId('admin-auth-save').click();
    await page.getByTestId('admin-auth-saved').waitFor();
  });

  it('11. "Create new key" is disabled while API keys are off and says where to enable them', async () => {
    const page = chat.page;
    await page.goto('/settings');
    await page.getByTestId('settings-tab-account').click();
    const button = page.getByTestId('api-key-create');
    expect(await button.isDisabled()).toBe(true);
    expect(await page.getByTestId('api-keys-disabled').innerText()).toContain('API keys are disabled');
    expect(await page.getByTestId('api-keys-enable-link').getAttribute('href')).toBe('/admin/settings/general');
  });

  it('5. signing in from /auth?redirect=/c/<id> lands on that chat', async () => {
    const page = chat.page;
    const list = await apiCall<Array<{ id: string; title: string }>>(stack.baseUrl, admin.token, 'GET', '/api/v1/chats/?page=1');
    const target = list.find((c) => c.title === 'Greeting chat 1')!;
    await chat.signout();
    await page.goto(`/c/${target.id}`);
    await page.waitForURL((u) => u.pathname === '/auth');
    expect(new URL(page.url()).searchParams.get('redirect')).toBe(`/c/${target.id}`);
    await new AuthPage(page).signin('ada@example.com', 'pass-word-1');
    await page.waitForURL((u) => u.pathname === `/c/${target.id}`);
    await chat.assistant().waitFor();
    // Still there a moment later (the layout used to send the user on to `/`).
    await page.waitForTimeout(800);
    expect(new URL(page.url()).pathname).toBe(`/c/${target.id}`);
    await expect.poll(() => page.title()).toBe('Greeting chat 1 • Open WebUI');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSignup, screenshot, startStack, type Stack } from '../fixtures.ts';
import { ChatPage } from '../pages/chat-page.ts';

describe('chatting', () => {
  let stack: Stack;
  let chat: ChatPage;
  beforeAll(async () => {
    stack = await startStack({ ollama: { models: ['llama3:latest', 'qwen2:7b'], reply: 'Hello **there**, this reply arrives one word at a time.', tokenDelayMs: 60 } });
    await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
    const page = await stack.newPage();
    chat = await ChatPage.signIn(page, 'ada@example.com', 'pass-word-1');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('streams a reply token by token, saves it, and it survives a reload', async () => {
    const page = chat.page;
    await expect.poll(() => chat.modelValue()).toBe('llama3:latest');
    await chat.selectModel('qwen2:7b');
    await chat.selectModel('llama3:latest');
    await chat.send('Say hello');
    // Several distinct partial renderings prove the text arrived incrementally, not in one piece.
    const seen = new Set<string>();
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const text = await chat.assistant().getByTestId('message-content').innerText().catch(() => '');
      if (text) seen.add(text);
      if ((await chat.assistant().getAttribute('data-done')) === 'true') break;
      await page.waitForTimeout(30);
    }
    expect(seen.size).toBeGreaterThan(2);
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).toContain('Hello there, this reply arrives one word at a time.');
    expect(await chat.assistant().locator('strong').innerText()).toBe('there');
    await page.waitForURL(/\/c\/[\w-]+$/);
    await expect.poll(() => chat.chatLinks().count()).toBe(1);
    await screenshot(page, 'chat-streamed');

    await page.reload();
    await chat.waitReady();
    await chat.assistant().waitFor();
    expect(await page.getByTestId('message-user').innerText()).toContain('Say hello');
    expect(await chat.lastReplyText()).toContain('Hello there, this reply arrives one word at a time.');
  });

  it('stop ends the reply mid-stream and the server aborts the upstream call', async () => {
    stack.ollama.script({ reply: Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '), tokenDelayMs: 50 });
    await chat.newChat();
    await chat.send('Count for a long time');
    await expect.poll(() => chat.lastReplyText().then((t) => t.length), { timeout: 10_000 }).toBeGreaterThan(5);
    await chat.stopButton().click();
    await chat.waitReplyDone();
    const text = await chat.lastReplyText();
    expect(text).not.toContain('w199');
    await stack.ollama.waitForAbort(5000);
    await chat.page.waitForTimeout(400);
    expect(await chat.lastReplyText()).toBe(text);
  });

  it('regenerates and edits, keeping branches', async () => {
    stack.ollama.script({ reply: 'Second answer.', tokenDelayMs: 5 });
    await chat.assistant().getByTestId('regenerate').click();
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).toContain('Second answer.');
    expect(await chat.assistant().getByTestId('branch-nav').innerText()).toContain('2/2');

    stack.ollama.script({ reply: 'Edited answer.' });
    await chat.page.getByTestId('message-user').last().getByTestId('edit-message').click();
    await chat.page.getByTestId('edit-input').fill('An edited question');
    await chat.page.getByTestId('edit-submit').click();
    await chat.waitReplyDone();
    expect(await chat.page.getByTestId('message-user').last().innerText()).toContain('An edited question');
    expect(await chat.lastReplyText()).toContain('Edited answer.');
  });

  it('renames, pins, searches and deletes chats in the sidebar', async () => {
    const page = chat.page;
    const first = page.getByTestId('chat-item').first();
    await first.getByTestId('chat-menu').click();
    await first.getByTestId('chat-rename').click();
    await page.getByTestId('chat-rename-input').fill('Renamed chat');
    await page.getByTestId('chat-rename-input').press('Enter');
    await page.getByTestId('chat-link').filter({ hasText: 'Renamed chat' }).waitFor();

    const renamed = page.getByTestId('chat-item').filter({ hasText: 'Renamed chat' });
    await renamed.getByTestId('chat-menu').click();
    await renamed.getByTestId('chat-pin').click();
    await page.getByTestId('pinned-chats').getByText('Renamed chat').waitFor();

    await page.getByTestId('chat-search').fill('Renamed');
    await page.getByTestId('search-results').getByText('Renamed chat').waitFor();
    await page.getByTestId('chat-search').fill('');

    page.once('dialog', (d) => void d.accept());
    const target = page.getByTestId('chat-item').filter({ hasText: 'Renamed chat' });
    await target.getByTestId('chat-menu').click();
    await target.getByTestId('chat-delete').click();
    await expect.poll(() => page.getByTestId('chat-link').filter({ hasText: 'Renamed chat' }).count()).toBe(0);
  });

  it('shows the error in the conversation when the model server is unreachable', async () => {
    stack.ollama.script({ error: { status: 500, message: 'upstream exploded', path: /\/api\/chat/ } });
    await chat.newChat();
    await chat.send('Are you there?');
    const err = chat.page.getByTestId('message-error');
    await err.waitFor();
    expect(await err.innerText()).toContain('upstream exploded');
    expect(await chat.page.getByTestId('connection-settings-link').getAttribute('href')).toBe('/admin/settings/connections');
    await screenshot(chat.page, 'chat-error');
    stack.ollama.script({ error: null });
  });

  it('keyboard: Shift+Enter adds a line, Enter sends, Ctrl+Shift+O starts a new chat', async () => {
    stack.ollama.script({ reply: 'Two lines received.', tokenDelayMs: 0 });
    const page = chat.page;
    await chat.newChat();
    const input = page.getByTestId('chat-input');
    await input.fill('line one');
    await input.press('Shift+Enter');
    await input.pressSequentially('line two');
    expect(await input.inputValue()).toBe('line one\nline two');
    expect(await page.getByTestId('message-user').count()).toBe(0);
    await input.press('Enter');
    await chat.waitReplyDone();
    expect(await page.getByTestId('message-user').last().innerText()).toContain('line one\nline two');
    await page.waitForURL(/\/c\//);
    await page.keyboard.press('Control+Shift+O');
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByTestId('chat-empty').waitFor();
  });
});

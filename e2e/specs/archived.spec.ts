import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, apiSignup, startStack, type Stack } from '../fixtures.ts';
import { ChatPage } from '../pages/chat-page.ts';

/** Archived chats: archive from the sidebar, list them (sidebar link -> Settings), unarchive one, then all. */
describe('archived chats', () => {
  let stack: Stack;
  let chat: ChatPage;

  beforeAll(async () => {
    stack = await startStack();
    const { token } = await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
    for (const title of ['Alpha talk', 'Beta talk', 'Gamma talk']) {
      const c = await apiCall<{ id: string }>(stack.baseUrl, token, 'POST', '/api/v1/chats/new', {
        chat: { title, models: ['llama3:latest'], history: { messages: {}, currentId: null }, messages: [] },
      });
      if (title !== 'Gamma talk') await apiCall(stack.baseUrl, token, 'POST', `/api/v1/chats/${c.id}/archive`);
    }
    const page = await stack.newPage();
    chat = await ChatPage.signIn(page, 'ada@example.com', 'pass-word-1');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('lists, unarchives one and unarchives all', async () => {
    const page = chat.page;
    const titles = () => chat.chatLinks().allInnerTexts().then((t) => t.map((s) => s.trim()).sort());
    await expect.poll(titles).toEqual(['Gamma talk']);

    // Archiving from the sidebar moves the chat into the archived list.
    const gamma = page.getByTestId('chat-item').filter({ hasText: 'Gamma talk' });
    await gamma.getByTestId('chat-menu').click();
    await gamma.getByTestId('chat-archive').click();
    await expect.poll(titles).toEqual([]);

    await page.getByTestId('open-archived').click();
    await page.getByTestId('archived-chats').waitFor();
    const archived = () => page.getByTestId('archived-link').allInnerTexts().then((t) => t.map((s) => s.trim()).sort());
    await expect.poll(archived).toEqual(['Alpha talk', 'Beta talk', 'Gamma talk']);

    await page.getByTestId('archived-item').filter({ hasText: 'Beta talk' }).getByTestId('archived-unarchive').click();
    await expect.poll(archived).toEqual(['Alpha talk', 'Gamma talk']);
    await expect.poll(titles).toEqual(['Beta talk']);

    await page.getByTestId('archived-unarchive-all').click();
    await page.getByTestId('archived-empty').waitFor();
    await expect.poll(titles).toEqual(['Alpha talk', 'Beta talk', 'Gamma talk']);
  });
});

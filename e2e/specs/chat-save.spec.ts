import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, apiSignup, startStack, type Stack } from '../fixtures.ts';
import { AuthPage } from '../pages/auth-page.ts';
import { ChatPage } from '../pages/chat-page.ts';

/**
 * Our web app saves a chat by what changed (web/src/lib/chat/save.ts): after the chat exists, a
 * message, its reply, a rating, a regenerate and a branch switch are message writes, never the
 * whole document, and what the server then holds (tree, leaf, the flat `messages` list) is what
 * the page showed.
 */
describe('saving a chat by message writes', () => {
  let stack: Stack;
  let chat: ChatPage;
  let token: string;
  const posts: Array<{ url: string; body: string; prefer: string | undefined }> = [];
  beforeAll(async () => {
    stack = await startStack({ ollama: { models: ['llama3:latest'], reply: 'First answer.', tokenDelayMs: 5 } });
    token = (await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1')).token;
    const page = await stack.newPage();
    await new AuthPage(page).goto();
    await new AuthPage(page).signin('ada@example.com', 'pass-word-1');
    chat = new ChatPage(page);
    await chat.waitReady();
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/api/v1/chats/')) posts.push({ url: new URL(r.url()).pathname, body: r.postData() ?? '', prefer: r.headers().prefer });
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  type Stored = { chat: { history: { currentId: string; messages: Record<string, { id: string; parentId: string | null; childrenIds: string[]; role: string; content: string; annotation?: { rating: number } }> }; messages: Array<{ id: string; content: string }> } };
  const stored = (id: string) => apiCall<Stored>(stack.baseUrl, token, 'GET', `/api/v1/chats/${id}`);
  const branchOf = (s: Stored) => {
    const out: string[] = [];
    for (let id: string | null = s.chat.history.currentId; id; id = s.chat.history.messages[id]!.parentId) out.unshift(id);
    return out;
  };
  const wholeSaves = (id: string) => posts.filter((p) => p.url === `/api/v1/chats/${id}` && p.body.includes('"history"'));
  const writes = (id: string) => posts.filter((p) => p.url.startsWith(`/api/v1/chats/${id}/messages/`));

  it('the next message and its reply, a rating, a regenerate and a branch switch are message writes', async () => {
    const page = chat.page;
    await chat.send('First question');
    await chat.waitReplyDone();
    await page.waitForURL(/\/c\/[\w-]+$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await expect.poll(async () => (await stored(id)).chat.history.messages[(await stored(id)).chat.history.currentId]?.content).toContain('First answer.');

    posts.length = 0;
    stack.ollama.script({ reply: 'Second answer.' });
    await chat.send('Second question');
    await chat.waitReplyDone();
    await expect.poll(() => writes(id).length).toBeGreaterThanOrEqual(3);
    expect(wholeSaves(id)).toEqual([]);
    expect(writes(id).every((w) => w.prefer === 'return=minimal')).toBe(true);
    let s = await stored(id);
    const leaf = s.chat.history.messages[s.chat.history.currentId]!;
    expect(leaf).toMatchObject({ role: 'assistant', content: expect.stringContaining('Second answer.') });
    expect(s.chat.history.messages[leaf.parentId!]).toMatchObject({ role: 'user', content: 'Second question' });
    expect(s.chat.messages.map((m) => m.id)).toEqual(branchOf(s));
    expect(s.chat.messages.length).toBe(4);

    await chat.assistant().getByTestId('rate-up').click();
    await expect.poll(async () => (await stored(id)).chat.history.messages[leaf.id]?.annotation?.rating).toBe(1);

    stack.ollama.script({ reply: 'Third answer.' });
    await chat.assistant().getByTestId('regenerate').click();
    await chat.waitReplyDone();
    expect(await chat.assistant().getByTestId('branch-nav').innerText()).toContain('2/2');
    await expect.poll(async () => (await stored(id)).chat.history.messages[(await stored(id)).chat.history.currentId]?.content).toContain('Third answer.');
    s = await stored(id);
    expect(s.chat.history.messages[leaf.parentId!]!.childrenIds).toHaveLength(2);
    expect(s.chat.messages.at(-1)!.content).toContain('Third answer.');

    // Back to the first answer: only the leaf moves.
    await chat.assistant().getByTestId('branch-nav').getByRole('button', { name: 'previous' }).click();
    await expect.poll(async () => (await stored(id)).chat.history.currentId).toBe(leaf.id);
    s = await stored(id);
    expect(s.chat.messages.map((m) => m.id)).toEqual(branchOf(s));
    expect(wholeSaves(id)).toEqual([]);

    await page.reload();
    await chat.assistant().waitFor();
    expect(await chat.lastReplyText()).toContain('Second answer.');
    expect(await chat.assistant().getByTestId('branch-nav').innerText()).toContain('1/2');
    expect(await page.getByTestId('message-user').last().innerText()).toContain('Second question');
  });
});

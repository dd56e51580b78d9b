import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatsServiceFor } from '../../src/modules/chats/chats.service.js';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** A chat shaped like the UI's: 2,000 messages in history and in the linear list, ~30 MB as JSON. */
function bigChat(messages: number, contentChars: number) {
  const history: Record<string, Record<string, unknown>> = {};
  const list: Array<Record<string, unknown>> = [];
  // Text with quotes, backslashes, newlines, non-ASCII and an astral character, so escaping is exercised.
  const unit = 'Lorem "ipsum" \\ dolor\nsit ämet — 漢字 🙂 ';
  let prev: string | null = null;
  for (let i = 0; i < messages; i++) {
    const id = `msg-${i}`;
    const content = `${i}: ` + unit.repeat(Math.ceil(contentChars / unit.length)).slice(0, contentChars);
    const m = { id, parentId: prev, childrenIds: [] as string[], role: i % 2 ? 'assistant' : 'user', content, timestamp: 1_700_000_000 + i };
    if (prev) (history[prev]!.childrenIds as string[]).push(id);
    history[id] = m;
    list.push(m);
    prev = id;
  }
  return { title: 'Very long chat', models: ['llama3'], history: { currentId: prev, messages: history }, messages: list, tags: [], timestamp: 1 };
}

describe('a 30 MB chat', () => {
  let s: TestServer;
  let token: string;
  let userId: string;
  beforeAll(async () => {
    s = await startTestServer();
    ({ token, user: { id: userId } } = await createUser(s.ctx));
  });
  afterAll(() => s.close());

  it('round-trips intact through create, open, update and a streamed reply', { timeout: 120_000 }, async () => {
    const chat = bigChat(2000, 7300);
    const body = JSON.stringify({ chat });
    expect(body.length).toBeGreaterThan(29_000_000);

    const created = await s.request('POST', '/api/v1/chats/new', { token, body });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };

    let t = performance.now();
    const opened = await s.request('GET', `/api/v1/chats/${id}`, { token });
    const text = await opened.text();
    const openMs = performance.now() - t;
    expect(opened.status).toBe(200);
    const got = JSON.parse(text);
    expect(got.chat).toEqual(chat);
    expect(got).toMatchObject({ id, user_id: userId, title: 'Very long chat', archived: false, pinned: false });

    // The UI's per-turn save: the whole document again, with one more message.
    chat.history.messages['extra'] = { id: 'extra', parentId: chat.history.currentId, childrenIds: [], role: 'user', content: 'one more', timestamp: 2 };
    chat.history.currentId = 'extra';
    t = performance.now();
    const saved = await s.request('POST', `/api/v1/chats/${id}`, { token, body: { chat } });
    const saveMs = performance.now() - t;
    expect(saved.status).toBe(200);
    expect((await saved.json()).chat).toEqual(chat);

    // A streamed reply written every chunk batch.
    const svc = chatsServiceFor(s.ctx);
    let expected = '';
    const writeMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const piece = `chunk ${i} "quoted" \n`;
      expected += piece;
      t = performance.now();
      await svc.upsertAssistantMessage(id, { messageId: 'reply', content: piece, mode: 'append', fields: i === 0 ? { model: 'llama3' } : undefined });
      writeMs.push(performance.now() - t);
    }
    const streamMs = `first ${writeMs[0]!.toFixed(0)} ms, then ${(writeMs.slice(1).reduce((a, b) => a + b, 0) / 9).toFixed(0)} ms`;
    const final = JSON.parse(await (await s.request('GET', `/api/v1/chats/${id}`, { token })).text());
    expect(final.chat.history.messages.reply).toMatchObject({ parentId: 'extra', role: 'assistant', content: expected, model: 'llama3' });
    expect(final.chat.history.messages.extra.childrenIds).toEqual(['reply']);
    expect(final.chat.history.currentId).toBe('reply');
    // The flat list follows the tree: the stored branch, then the saved message and the reply.
    expect(final.chat.messages.length).toBe(chat.messages.length + 2);
    expect(final.chat.messages.slice(0, -2)).toEqual(chat.messages);
    expect(final.chat.messages.slice(-2)).toEqual([final.chat.history.messages.extra, final.chat.history.messages.reply]);
    expect(final.chat.history.messages['msg-1999']).toEqual(chat.history.messages['msg-1999']);

    // The list never carries the document.
    const list = await (await s.request('GET', '/api/v1/chats/?page=1', { token })).json();
    expect(list).toEqual([{ id, title: 'Very long chat', updated_at: final.updated_at, created_at: final.created_at }]);

    console.log(`30 MB chat: open ${openMs.toFixed(0)} ms, save ${saveMs.toFixed(0)} ms, streamed writes ${streamMs}`);
  });
});

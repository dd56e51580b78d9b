import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatsService, chatsServiceFor } from '../../src/modules/chats/chats.service.js';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * The message route extended for our web app (`role`, `parentId`, `fields`, `current`, and
 * `Prefer: return=minimal`): what the UI writes per message instead of the whole document, and the
 * top-level `messages` list that every read keeps in step with the tree.
 */
function sampleChat() {
  const m1 = { id: 'm1', parentId: null, childrenIds: ['m2'], role: 'user', content: 'hello there', timestamp: 1 };
  const m2 = { id: 'm2', parentId: 'm1', childrenIds: [], role: 'assistant', content: 'General Kenobi', model: 'llama3', timestamp: 2 };
  return { title: 'Writes', models: ['llama3'], history: { messages: { m1, m2 }, currentId: 'm2' }, messages: [m1, m2], tags: [] };
}

type Chat = { history: { messages: Record<string, Record<string, unknown>>; currentId: string | null }; messages: Array<{ id: string }> };

describe('POST /chats/{id}/messages/{message_id}: our web app writes what changed', () => {
  let s: TestServer;
  let alice: { token: string; user: { id: string } };
  let bob: { token: string; user: { id: string } };
  beforeAll(async () => {
    s = await startTestServer();
    alice = await createUser(s.ctx);
    bob = await createUser(s.ctx);
  });
  afterAll(() => s.close());

  const call = async (method: string, p: string, token: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await s.request(method, `/api/v1/chats${p}`, { token, body, headers });
    return { status: res.status, headers: res.headers, body: await res.json() };
  };
  const minimal = { prefer: 'return=minimal' };
  const create = async () => (await call('POST', '/new', alice.token, { chat: sampleChat() })).body as { id: string };
  const read = async (id: string) => (await call('GET', `/${id}`, alice.token)).body.chat as Chat;
  const listIds = (chat: Chat) => chat.messages.map((m) => m.id);

  it('a sent message, its reply placeholder and the final state, answered minimally; reads keep `messages` in step', async () => {
    const c = await create();
    const u = await call('POST', `/${c.id}/messages/u2`, alice.token, { role: 'user', parentId: 'm2', content: 'next?', fields: { models: ['llama3'], timestamp: 10 } }, minimal);
    expect(u.status).toBe(200);
    expect(u.body).toEqual({ id: c.id, message_id: 'u2' });
    expect(u.headers.get('preference-applied')).toBe('return=minimal');
    const a = await call('POST', `/${c.id}/messages/a2`, alice.token, { role: 'assistant', parentId: 'u2', fields: { model: 'llama3', modelName: 'Llama', done: false } }, { prefer: 'handling=lenient, return=minimal' });
    expect(a.body).toEqual({ id: c.id, message_id: 'a2' });

    let chat = await read(c.id);
    expect(chat.history.currentId).toBe('a2');
    expect(chat.history.messages.u2).toMatchObject({ id: 'u2', parentId: 'm2', role: 'user', content: 'next?', models: ['llama3'], timestamp: 10, childrenIds: ['a2'] });
    expect(chat.history.messages.a2).toMatchObject({ parentId: 'u2', role: 'assistant', content: '', model: 'llama3', done: false });
    expect(chat.history.messages.m2!.childrenIds).toEqual(['u2']);
    expect(listIds(chat)).toEqual(['m1', 'm2', 'u2', 'a2']);
    expect(chat.messages[3]).toEqual(chat.history.messages.a2);

    await call('POST', `/${c.id}/messages/a2`, alice.token, { content: 'the answer', fields: { done: true, usage: { total_tokens: 3 } } }, minimal);
    chat = await read(c.id);
    expect(chat.history.messages.a2).toMatchObject({ content: 'the answer', done: true, usage: { total_tokens: 3 } });
    expect(chat.messages[3]).toEqual(chat.history.messages.a2);

    // Without the preference the answer is the whole chat, as in the original.
    const full = await call('POST', `/${c.id}/messages/a2`, alice.token, { content: 'the answer!' });
    expect(full.headers.get('preference-applied')).toBeNull();
    expect(full.body.chat.history.messages.a2.content).toBe('the answer!');
    expect(full.body.chat.messages.map((m: { id: string }) => m.id)).toEqual(['m1', 'm2', 'u2', 'a2']);

    // Folding the rows stores the same document, list included.
    expect(await chatsServiceFor(s.ctx).compactor.compact(c.id)).toBe(true);
    expect(await read(c.id)).toEqual(full.body.chat);
  });

  it('a rating with current: false leaves the leaf; a regenerate is a sibling; moving the leaf shows its branch', async () => {
    const c = await create();
    // Rated before any other write: the leaf stays the document's own.
    await call('POST', `/${c.id}/messages/m1`, alice.token, { fields: { annotation: { rating: 1 } }, current: false }, minimal);
    let chat = await read(c.id);
    expect(chat.history.currentId).toBe('m2');
    expect(chat.history.messages.m1).toMatchObject({ content: 'hello there', annotation: { rating: 1 } });
    expect(listIds(chat)).toEqual(['m1', 'm2']);
    expect(chat.messages[0]).toEqual(chat.history.messages.m1);

    // A write without a parent after it hangs under that leaf.
    await call('POST', `/${c.id}/messages/a3`, alice.token, { content: 'under m2' }, minimal);
    chat = await read(c.id);
    expect(chat.history.messages.a3!.parentId).toBe('m2');

    // Regenerate the reply to m1: a sibling of m2.
    await call('POST', `/${c.id}/messages/m2b`, alice.token, { role: 'assistant', parentId: 'm1', content: 'another take', fields: { done: true } }, minimal);
    chat = await read(c.id);
    expect(chat.history.messages.m1!.childrenIds).toEqual(['m2', 'm2b']);
    expect(listIds(chat)).toEqual(['m1', 'm2b']);

    // Rate the older reply a3 (not on the shown branch): leaf and list stay.
    await call('POST', `/${c.id}/messages/a3`, alice.token, { fields: { annotation: { rating: -1 } }, current: false }, minimal);
    chat = await read(c.id);
    expect(chat.history.currentId).toBe('m2b');
    expect(chat.history.messages.a3).toMatchObject({ content: 'under m2', annotation: { rating: -1 } });
    // A new message with no parent given hangs under the leaf that write kept.
    await call('POST', `/${c.id}/messages/u4`, alice.token, { role: 'user', content: 'more' }, minimal);
    chat = await read(c.id);
    expect(chat.history.messages.u4!.parentId).toBe('m2b');

    // Switch back to the first branch: the leaf moves, nothing else changes.
    const before = await read(c.id);
    await call('POST', `/${c.id}/messages/a3`, alice.token, { current: true }, minimal);
    chat = await read(c.id);
    expect(chat.history.currentId).toBe('a3');
    expect(chat.history.messages).toEqual(before.history.messages);
    expect(listIds(chat)).toEqual(['m1', 'm2', 'a3']);
  });

  it("the UI's fields-only write does not clobber the content the server streams into the same message", async () => {
    const c = await create();
    const svc = chatsServiceFor(s.ctx);
    await call('POST', `/${c.id}/messages/a2`, alice.token, { role: 'assistant', parentId: 'm2', fields: { model: 'llama3', done: false } }, minimal);
    await svc.upsertAssistantMessage(c.id, { messageId: 'a2', content: 'streamed so', mode: 'replace', fields: { model: 'llama3' } });
    await call('POST', `/${c.id}/messages/a2`, alice.token, { fields: { done: true, usage: { n: 1 } } }, minimal);
    await svc.upsertAssistantMessage(c.id, { messageId: 'a2', content: ' far', mode: 'append', fields: { sources: [] } });
    const chat = await read(c.id);
    expect(chat.history.messages.a2).toMatchObject({ content: 'streamed so far', done: true, usage: { n: 1 }, sources: [], model: 'llama3' });
    expect(chat.messages.at(-1)).toEqual(chat.history.messages.a2);
  });

  it('a big chat is not folded for idleness (a fold rewrites the document), only past the row bound', async () => {
    const rows = async (chatId: string) => (await s.ctx.db.kysely.selectFrom('chat_message_overlay').select('message_id').where('chat_id', '=', chatId).execute()).length;
    const svc = new ChatsService(s.ctx.db, { maxRows: 4, maxBytes: 1 << 20, idleMs: 30, idleMaxDocBytes: 500 });
    // Its start-up sweep (after idleMs) folds whatever has rows: let it pass first.
    await new Promise((r) => setTimeout(r, 100));
    await svc.compactor.idle();
    const big = await create(); // ~600 bytes stored: "big" for these bounds
    const small = (await call('POST', '/new', alice.token, { chat: { title: 's', history: { messages: {}, currentId: null } } })).body as { id: string };
    await svc.writeMessage(big.id, { messageId: 'b1', content: 'one' });
    await svc.writeMessage(small.id, { messageId: 's1', content: 'one' });
    await expect.poll(() => rows(small.id), { timeout: 5000 }).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    await svc.compactor.idle();
    expect(await rows(big.id)).toBe(1);
    // Remembered as big: the next writes start no idle fold either, the row bound folds.
    await svc.writeMessage(big.id, { messageId: 'b2', content: 'two' });
    await svc.writeMessage(big.id, { messageId: 'b3', content: 'three' });
    await new Promise((r) => setTimeout(r, 100));
    expect(await rows(big.id)).toBe(3);
    await svc.writeMessage(big.id, { messageId: 'b4', content: 'four' });
    await expect.poll(() => rows(big.id), { timeout: 5000 }).toBe(0);
    const chat = await read(big.id);
    expect(listIds(chat)).toEqual(['m1', 'm2', 'b1', 'b2', 'b3', 'b4']);
    await svc.compactor.close();
  });

  it('rejects bad bodies with 422 and other users with 401', async () => {
    const c = await create();
    for (const body of [{}, { role: 'robot', content: 'x' }, { content: 'x', fields: { parentId: 'm1' } }, { fields: { childrenIds: [] } }, { current: 'yes' }, { parentId: 5, content: 'x' }, { fields: [] }]) {
      const r = await call('POST', `/${c.id}/messages/x`, alice.token, body, minimal);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(Array.isArray(r.body.detail)).toBe(true);
    }
    expect((await call('POST', `/${c.id}/messages/x`, bob.token, { content: 'x' }, minimal)).status).toBe(401);
    const proto = await s.request('POST', `/api/v1/chats/${c.id}/messages/x`, { token: alice.token, body: '{"fields":{"__proto__":{"polluted":true}}}', headers: minimal });
    expect(proto.status).toBeLessThan(500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const chat = await read(c.id);
    expect(listIds(chat)).toEqual(chat.history.currentId === 'x' ? ['m1', 'm2', 'x'] : ['m1', 'm2']);
  });
});

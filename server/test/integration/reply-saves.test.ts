import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMessagesBatch } from '../../src/modules/chats/chats.batch-writer.js';
import type { MessageUpsert } from '../../src/modules/chats/chats.history.js';
import { chatsServiceFor } from '../../src/modules/chats/chats.service.js';
import { ReplySaves, type ReplySave } from '../../src/modules/tasks/reply-saves.js';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const sampleChat = () => ({
  title: 'Batch',
  models: ['llama3'],
  history: { messages: { u1: { id: 'u1', parentId: null, childrenIds: [], role: 'user', content: 'hi', timestamp: 1 } }, currentId: 'u1' },
  messages: [{ id: 'u1' }],
});

/** The stored chat with the timestamps the writes made ("now") zeroed, to compare two write paths. */
const normalised = (chat: { history: { messages: Record<string, Record<string, unknown>> } }) => {
  for (const m of Object.values(chat.history.messages)) if (m.id !== 'u1') m.timestamp = 0;
  return chat;
};

describe('periodic reply saves: many chats in one transaction', () => {
  let s: TestServer;
  let alice: { token: string; user: { id: string } };
  let bob: { token: string; user: { id: string } };
  beforeAll(async () => {
    s = await startTestServer();
    alice = await createUser(s.ctx);
    bob = await createUser(s.ctx);
  });
  afterAll(() => s.close());

  const create = async (token: string) => ((await (await s.request('POST', '/api/v1/chats/new', { token, body: { chat: sampleChat() } })).json()) as { id: string }).id;
  const read = async (token: string, id: string) => normalised(((await (await s.request('GET', `/api/v1/chats/${id}`, { token })).json()) as { chat: never }).chat);

  it('stores exactly what writing each message on its own stores, and skips chats the user does not own', async () => {
    const svc = chatsServiceFor(s.ctx);
    const steps: MessageUpsert[][] = [
      [{ messageId: 'a1', content: 'Hel', mode: 'replace', fields: { model: 'llama3' } }],
      [{ messageId: 'a1', content: 'Hello', mode: 'replace', fields: { model: 'llama3', statusHistory: [{ done: true }] } }],
      [{ messageId: 'a1', content: 'Hello there', mode: 'replace', fields: { model: 'llama3', done: true } }],
    ];
    const batched = [await create(alice.token), await create(alice.token), await create(alice.token)];
    const single = [await create(alice.token), await create(alice.token), await create(alice.token)];
    const bobs = await create(bob.token);
    for (const [n, ups] of steps.entries()) {
      const items = batched.map((chatId, i) => ({ chatId, up: { ...ups[0]!, content: `${ups[0]!.content} #${i}` }, userId: alice.user.id }));
      // Bob's chat in Alice's batch (and a chat that does not exist) write nothing and stop nothing.
      const out = await writeMessagesBatch(svc, [...items, { chatId: bobs, up: ups[0]!, userId: alice.user.id }, { chatId: 'no-such-chat', up: ups[0]!, userId: alice.user.id }]);
      expect(out, `step ${n}`).toEqual([...items.map((it) => it.up.content), null, null]);
      for (const [i, chatId] of single.entries()) await svc.upsertAssistantMessage(chatId, { ...ups[0]!, content: `${ups[0]!.content} #${i}` }, alice.user.id);
    }
    for (let i = 0; i < batched.length; i++) {
      const got = await read(alice.token, batched[i]!);
      expect(got).toEqual(await read(alice.token, single[i]!));
      expect((got.history.messages as Record<string, { content?: string; done?: boolean }>).a1).toMatchObject({ content: `Hello there #${i}`, done: true });
    }
    expect(Object.keys((await read(bob.token, bobs)).history.messages)).toEqual(['u1']);
  });
});

describe('ReplySaves: one timer for every running reply', () => {
  const save = (chatId: string, content: string): ReplySave => ({ chatId, up: { messageId: 'm', content }, userId: 'u' });
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('writes the latest text of each dirty reply in one batch per interval, never two batches at once', async () => {
    const batches: string[][] = [];
    let active = 0;
    let overlapped = false;
    const saves = new ReplySaves(
      {
        many: async (items) => {
          overlapped ||= active > 0;
          active++;
          batches.push(items.map((it) => `${it.chatId}:${it.up.content}`));
          await wait(60); // longer than the interval: the next batch must wait for this one
          active--;
        },
        one: async () => undefined,
        log: { warn: () => undefined },
      },
      30,
    );
    const a = {};
    const b = {};
    let textA = 'a1';
    saves.schedule(a, () => save('A', textA));
    textA = 'a2'; // the snapshot is taken when the batch is written
    saves.schedule(a, () => save('A', textA));
    saves.schedule(b, () => save('B', 'b1'));
    await wait(45);
    saves.schedule(a, () => save('A', 'a3'));
    await saves.settle(b); // B had nothing pending: returns once the running batch is done
    await wait(150);
    expect(batches).toEqual([['A:a2', 'B:b1'], ['A:a3']]);
    expect(overlapped).toBe(false);
    // settle drops a pending save: the reply's own final write follows.
    saves.schedule(a, () => save('A', 'a4'));
    await saves.settle(a);
    await wait(80);
    expect(batches).toHaveLength(2);
  });

  it('splits a big interval into transactions of ten', async () => {
    const sizes: number[] = [];
    const saves = new ReplySaves({ many: async (items) => void sizes.push(items.length), one: async () => undefined, log: { warn: () => undefined } }, 10);
    for (let i = 0; i < 25; i++) saves.schedule({}, () => save(`c${i}`, 'x'));
    await wait(60);
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('writes each reply on its own when a batch fails, and logs the ones that still fail', async () => {
    const ones: string[] = [];
    const warned: unknown[] = [];
    const saves = new ReplySaves(
      {
        many: async () => {
          throw new Error('batch rolled back');
        },
        one: async (it) => {
          if (it.chatId === 'bad') throw new Error('gone');
          ones.push(it.chatId);
        },
        log: { warn: (obj) => warned.push(obj) },
      },
      10,
    );
    saves.schedule({}, () => save('ok1', 'x'));
    saves.schedule({}, () => save('bad', 'x'));
    saves.schedule({}, () => save('ok2', 'x'));
    await wait(60);
    expect(ones).toEqual(['ok1', 'ok2']);
    expect(warned).toEqual([{ chatId: 'bad', err: 'gone' }]);
  });
});

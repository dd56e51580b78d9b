import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeOp, type OverlayRow } from '../../src/modules/chats/chats.overlay.js';
import { mergeOverlay } from '../../src/modules/chats/chats.overlay-merge.js';
import { upsertMessage, type JsonObject, type MessageUpsert } from '../../src/modules/chats/chats.history.js';
import { chatsServiceFor } from '../../src/modules/chats/chats.service.js';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const NOW = 1_700_000_123;
const tricky = 'say "hi" \\" \\\\ }{][ , : \n ämet 漢字 🙂 \u0001';

function chatWith(ids: string[], extra: JsonObject = {}): JsonObject {
  const messages = Object.create(null) as JsonObject; // '__proto__' is an id in these fixtures
  let prev: string | null = null;
  for (const id of ids) {
    messages[id] = { id, parentId: prev, childrenIds: [], role: 'user', content: `${id}: ${tricky}`, timestamp: 1 };
    if (prev) ((messages[prev] as JsonObject).childrenIds as string[]).push(id);
    prev = id;
  }
  return { title: 'T "x"', models: ['m'], history: { messages, currentId: prev }, messages: Object.values(messages), ...extra };
}

/** Objects without a prototype, so `__proto__` is an ordinary key of the reference result too. */
const bare = (_k: string, v: unknown) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = Object.create(null) as JsonObject;
  for (const k of Object.keys(v)) o[k] = (v as JsonObject)[k];
  return o;
};

/** What the parsing path stores for the same write (on null-prototype objects). */
function expected(doc: string, up: MessageUpsert): JsonObject {
  const chat = JSON.parse(doc, bare) as JsonObject;
  const m = upsertMessage(chat, up, NOW);
  if (typeof m.content !== 'string') m.content = '';
  return chat;
}

const cases: Array<[string, string, MessageUpsert]> = [
  ['new reply under the current leaf', JSON.stringify(chatWith(['a', 'b'])), { messageId: 'r', content: tricky }],
  ['append to an existing message', JSON.stringify(chatWith(['a', 'b'])), { messageId: 'a', content: ' more', mode: 'append' }],
  ['replace with fields', JSON.stringify(chatWith(['a', 'b'])), { messageId: 'b', content: 'new', fields: { done: false, model: 'x', info: { n: 1 } } }],
  ['explicit parent', JSON.stringify(chatWith(['a', 'b'])), { messageId: 'c', content: 'x', parentId: 'a', role: 'user' }],
  ['null parent', JSON.stringify(chatWith(['a'])), { messageId: 'c', content: 'x', parentId: null }],
  ['__proto__ as a new id', JSON.stringify(chatWith(['a'])), { messageId: '__proto__', content: 'x' }],
  ['__proto__ as an existing id', JSON.stringify(chatWith(['__proto__', 'constructor'])), { messageId: '__proto__', content: 'y', mode: 'append' }],
  ['parent named constructor', JSON.stringify(chatWith(['constructor'])), { messageId: 'toString', content: 'y' }],
  ['empty messages, no currentId', JSON.stringify({ title: 'e', history: { messages: {} } }), { messageId: 'r', content: 'x' }],
  ['pretty-printed document', JSON.stringify(chatWith(['a', 'b']), null, 2), { messageId: 'r', content: 'x' }],
  ['parent without childrenIds', JSON.stringify({ history: { currentId: 'a', messages: { a: { id: 'a' } } } }), { messageId: 'r', content: 'x' }],
  ['non-string content', JSON.stringify({ history: { currentId: 'a', messages: { a: { id: 'a', content: [1] } } } }), { messageId: 'a', fields: { done: true } }],
  ['duplicate keys (last wins)', '{"history":{"messages":{"a":{"id":"a","content":"old"},"a":{"id":"a","content":"new"}},"currentId":"a"}}', { messageId: 'a', content: '!', mode: 'append' }],
  ['escaped key', '{"history":{"messages":{"a\\"b":{"id":"a\\"b","childrenIds":[]}},"currentId":"a\\"b"}}', { messageId: 'r', content: 'x' }],
];

describe('one overlay row spliced in: the same document as parsing, without parsing it', () => {
  /** The row a first write of `up` stores (no earlier rows: a default parent is the document's leaf). */
  const rowOf = (up: MessageUpsert): OverlayRow => ({ message_id: up.messageId, first_seq: 1, last_seq: 1, op: JSON.stringify(composeOp(undefined, up, NOW, up.parentId)) });
  /** upsertMessage on the parsed document, objects without a prototype ('__proto__' is a key). */
  const reference = (doc: string, up: MessageUpsert): JsonObject => {
    const chat = JSON.parse(doc, bare) as JsonObject;
    upsertMessage(chat, up, NOW);
    return chat;
  };
  const odd: Array<[string, string, MessageUpsert]> = [
    ['a message that is its own parent', '{"history":{"messages":{},"currentId":"a"}}', { messageId: 'a', content: 'x', parentId: 'a' }],
    ['history not an object', '{"history":[]}', { messageId: 'a', content: 'x' }],
  ];
  for (const [name, doc, up] of [...cases, ...odd]) {
    it(name, () => {
      for (const form of [doc, Buffer.from(doc)]) {
        const out = mergeOverlay(form, [rowOf(up)]);
        const got = JSON.parse(out.toString()) as JsonObject;
        expect(got).toEqual(JSON.parse(JSON.stringify(reference(doc, up))));
        expect(Object.getPrototypeOf((got.history as JsonObject).messages as JsonObject)).toBe(Object.prototype);
      }
    });
  }
});

describe('one message into a big stored chat (through the database)', () => {
  let s: TestServer;
  let token: string;
  let userId: string;
  beforeAll(async () => {
    s = await startTestServer();
    ({ token, user: { id: userId } } = await createUser(s.ctx));
  });
  afterAll(() => s.close());

  it('writes a new message, then streams into it, keeping every other byte of the chat', { timeout: 60_000 }, async () => {
    const ids = Array.from({ length: 400 }, (_, i) => (i === 7 ? '__proto__' : `m-${i}`));
    const chat = chatWith(ids);
    // Stored through the service: Fastify's body parser refuses a '__proto__' key in JSON bodies.
    const svc = chatsServiceFor(s.ctx);
    const { id } = await svc.create(userId, { chat });
    const stored = (await svc.repo.chatText(id, userId))!.chat;

    const up: MessageUpsert = { messageId: 'reply', content: 'first', fields: { model: 'llama3' } };
    expect(await svc.upsertAssistantMessage(id, up, userId)).toBe('first');
    expect(await svc.upsertAssistantMessage(id, { messageId: 'reply', content: ' second', mode: 'append' }, userId)).toBe('first second');
    const want = expected(stored, up);
    ((want.history as JsonObject).messages as { reply: JsonObject }).reply.content = 'first second';

    const got = await (await s.request('GET', `/api/v1/chats/${id}`, { token })).json();
    const reply = got.chat.history.messages.reply;
    expect(Math.abs(reply.timestamp - Date.now() / 1000)).toBeLessThan(60);
    ((want.history as JsonObject).messages as { reply: JsonObject }).reply.timestamp = reply.timestamp;
    expect(got.chat).toEqual(want);
    expect(got.chat.history.messages['m-399'].childrenIds).toEqual(['reply']);
    expect(got.chat.history.messages.__proto__).toMatchObject({ id: '__proto__', content: `__proto__: ${tricky}` });
    expect(got.title).toBe('T "x"');

    // The API refuses `__proto__` as a message id (security: reserved names); a normal id posted
    // through the API lands in the same document, the stored `__proto__` message left as it was.
    expect((await s.request('POST', `/api/v1/chats/${id}/messages/__proto__`, { token, body: { content: 'edited' } })).status).toBe(422);
    const posted = await s.request('POST', `/api/v1/chats/${id}/messages/m-399`, { token, body: { content: 'edited' } });
    expect(posted.status).toBe(200);
    const after = (await posted.json()).chat;
    expect(after.history.messages['m-399'].content).toBe('edited');
    expect(after.history.currentId).toBe('m-399');
    expect(after.history.messages.__proto__).toMatchObject({ id: '__proto__', content: `__proto__: ${tricky}` });
    expect(after.history.messages.reply.content).toBe('first second');
  });
});

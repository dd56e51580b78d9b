import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { titleOf, upsertMessage, type JsonObject, type MessageUpsert } from '../../src/modules/chats/chats.history.js';
import { patchedText } from '../../src/modules/chats/chats.doc-patch.js';
import { composeOp, parseOp, replayOnObject, type OverlayRow } from '../../src/modules/chats/chats.overlay.js';
import { mergeOverlay } from '../../src/modules/chats/chats.overlay-merge.js';
import { ChatsService, chatsServiceFor } from '../../src/modules/chats/chats.service.js';
import { createUser } from '../factories/users.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** A small chat in the UI's shape (currentId after messages, like the web app writes it). */
function sampleChat(title = 'Overlay chat') {
  return {
    title,
    models: ['llama3'],
    history: {
      messages: {
        m1: { id: 'm1', parentId: null, childrenIds: ['m2'], role: 'user', content: 'hello there', timestamp: 1 },
        m2: { id: 'm2', parentId: 'm1', childrenIds: [], role: 'assistant', content: 'General Kenobi', model: 'llama3', timestamp: 2 },
      },
      currentId: 'm2',
    },
    messages: [{ id: 'm1' }, { id: 'm2' }],
    tags: [],
  };
}

/** Timestamps of messages the writes created are "now": compare them as any number. */
function withoutNewTimestamps(chat: JsonObject, known: string[]): JsonObject {
  const copy = structuredClone(chat) as { history: { messages: Record<string, JsonObject> } };
  for (const [id, m] of Object.entries(copy.history.messages)) if (!known.includes(id)) m.timestamp = 0;
  return copy as unknown as JsonObject;
}

const overlayRows = async (s: TestServer, chatId: string) =>
  s.ctx.db.kysely.selectFrom('chat_message_overlay').select(['message_id']).where('chat_id', '=', chatId).execute();
const storedText = async (s: TestServer, chatId: string) =>
  (await s.ctx.db.kysely.selectFrom('chat').select('chat').where('id', '=', chatId).executeTakeFirstOrThrow()).chat;

describe('chat_message_overlay: message writes without rewriting the document', () => {
  let s: TestServer;
  let alice: { token: string; user: { id: string } };
  let admin: { token: string; user: { id: string } };
  beforeAll(async () => {
    s = await startTestServer();
    admin = await createUser(s.ctx, { role: 'admin' });
    alice = await createUser(s.ctx);
  });
  afterAll(() => s.close());

  const call = async (method: string, p: string, token: string, body?: unknown) => {
    const res = await s.request(method, `/api/v1/chats${p}`, { token, body });
    return { status: res.status, body: await res.json() };
  };
  const create = async (token: string, title?: string) => (await call('POST', '/new', token, { chat: sampleChat(title) })).body as { id: string; chat: JsonObject };

  it('merged reads equal writing each message into the document one after another', async () => {
    const c = await create(alice.token);
    const svc = chatsServiceFor(s.ctx);
    const ups: MessageUpsert[] = [
      { messageId: 'a1', content: 'Hel', fields: { model: 'llama3' } },
      { messageId: 'a1', content: 'lo', mode: 'append' },
      { messageId: 'u2', role: 'user', content: 'next "question"\n', parentId: 'a1' },
      { messageId: 'm2', content: ' (edited)', mode: 'append' },
      { messageId: 'a3', content: 'reply', fields: { done: false, info: { n: 1 } } },
      { messageId: 'a1', fields: { done: true, content: 'set by fields' } },
      { messageId: '__proto__', content: 'just an id' },
      { messageId: 'a3', content: ' more', mode: 'append', fields: { done: true } },
      { messageId: 'm1', fields: { rating: 1 } },
    ];
    const reference = sampleChat() as unknown as JsonObject;
    for (const up of ups) {
      upsertMessage(reference, up, 0);
      await svc.upsertAssistantMessage(c.id, up);
    }
    const got = await call('GET', `/${c.id}`, alice.token);
    expect(got.status).toBe(200);
    expect(withoutNewTimestamps(got.body.chat, ['m1', 'm2'])).toEqual(withoutNewTimestamps(JSON.parse(JSON.stringify(reference)), ['m1', 'm2']));
    expect(Object.prototype.hasOwnProperty.call(got.body.chat.history.messages, '__proto__')).toBe(true);
    // Nothing of it is in the stored document yet; every write is a row.
    expect(await storedText(s, c.id)).toBe(JSON.stringify(sampleChat()));
    expect((await overlayRows(s, c.id)).length).toBe(6);

    // The same document after folding, now stored.
    expect(await svc.compactor.compact(c.id)).toBe(true);
    expect(await overlayRows(s, c.id)).toEqual([]);
    expect((await call('GET', `/${c.id}`, alice.token)).body).toEqual(got.body);
    expect(JSON.parse(await storedText(s, c.id))).toEqual(got.body.chat);
  });

  it('GET, the list, search, share, clone and the exports see a message written through the route', async () => {
    const c = await create(alice.token, 'Findable');
    const w = await call('POST', `/${c.id}/messages/reply-1`, alice.token, { content: 'the zanzibar answer' });
    expect(w.status).toBe(200);
    expect(w.body.chat.history.currentId).toBe('reply-1');
    expect(w.body.chat.history.messages['reply-1']).toMatchObject({ parentId: 'm2', role: 'assistant', content: 'the zanzibar answer' });
    expect(w.body.chat.history.messages.m2.childrenIds).toEqual(['reply-1']);
    expect((await overlayRows(s, c.id)).length).toBe(1);

    const got = (await call('GET', `/${c.id}`, alice.token)).body;
    expect(got).toEqual(w.body);
    const list = (await call('GET', '/?page=1', alice.token)).body as Array<{ id: string; updated_at: number }>;
    expect(list.find((x) => x.id === c.id)?.updated_at).toBe(got.updated_at);
    expect(((await call('GET', '/search?text=zanzibar', alice.token)).body as Array<{ id: string }>).map((x) => x.id)).toEqual([c.id]);

    const all = (await call('GET', '/all', alice.token)).body as Array<{ id: string; chat: JsonObject }>;
    expect(all.find((x) => x.id === c.id)?.chat).toEqual(got.chat);
    const db = (await call('GET', '/all/db', admin.token)).body as Array<{ id: string; chat: JsonObject }>;
    expect(db.find((x) => x.id === c.id)?.chat).toEqual(got.chat);

    const shared = await call('POST', `/${c.id}/share`, alice.token);
    expect(shared.status).toBe(200);
    expect((await call('GET', `/share/${shared.body.id}`, alice.token)).body.chat).toEqual(got.chat);
    const clone = await call('POST', `/${c.id}/clone`, alice.token, {});
    expect(clone.body.chat.history.messages['reply-1'].content).toBe('the zanzibar answer');
    const pinned = await call('POST', `/${c.id}/pin`, alice.token);
    expect(pinned.body.chat).toEqual(got.chat);

    // The UI's whole-document save replaces the history: the rows go, the saved document stays.
    const saved = await call('POST', `/${c.id}`, alice.token, { chat: { ...got.chat, title: 'Saved whole' } });
    expect(saved.body.chat.history).toEqual(got.chat.history);
    expect(await overlayRows(s, c.id)).toEqual([]);
    // A patch without history keeps the rows' messages (merged, then stored).
    await call('POST', `/${c.id}/messages/reply-2`, alice.token, { content: 'second' });
    const patched = await call('POST', `/${c.id}`, alice.token, { chat: { params: { temperature: 0.1 } } });
    expect(patched.body.chat.history.messages['reply-2'].content).toBe('second');
    expect(await overlayRows(s, c.id)).toEqual([]);
    expect(JSON.parse(await storedText(s, c.id)).history.currentId).toBe('reply-2');
  });

  it('a message write moves its chat up every list without touching the chat row', async () => {
    const bob = await createUser(s.ctx);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await create(bob.token, `Order ${i}`)).id);
    // Distinct row dates, oldest first: ids[0] is the last of every list.
    for (let i = 0; i < 4; i++) await s.ctx.db.kysely.updateTable('chat').set({ updated_at: 1000 + i }).where('id', '=', ids[i]!).execute();
    await s.ctx.db.kysely.updateTable('chat').set({ pinned: true }).where('id', 'in', [ids[0]!, ids[1]!]).execute();
    const before = Number((await s.ctx.db.kysely.selectFrom('chat').select('updated_at').where('id', '=', ids[0]!).executeTakeFirstOrThrow()).updated_at);
    expect((await call('POST', `/${ids[0]}/messages/late`, bob.token, { content: 'the latest word' })).status).toBe(200);
    expect(Number((await s.ctx.db.kysely.selectFrom('chat').select('updated_at').where('id', '=', ids[0]!).executeTakeFirstOrThrow()).updated_at)).toBe(before);

    const order = (list: Array<{ id: string }>) => list.map((c) => ids.indexOf(c.id));
    expect(order((await call('GET', '/?page=1&include_pinned=true', bob.token)).body)).toEqual([0, 3, 2, 1]);
    expect(order((await call('GET', '/?page=1', bob.token)).body)).toEqual([3, 2]);
    expect(order((await call('GET', '/pinned', bob.token)).body)).toEqual([0, 1]);
    expect(order((await call('GET', '/search?text=order', bob.token)).body)).toEqual([0, 3, 2, 1]);
    expect(order((await call('GET', '/search?text=', bob.token)).body)).toEqual([0, 3, 2, 1]);
    expect(order((await call('GET', '/all', bob.token)).body)).toEqual([0, 3, 2, 1]);
    // A window past the first item: the moved chat is not counted twice.
    const { ChatsRepository } = await import('../../src/modules/chats/chats.repository.js');
    const repo = new ChatsRepository(s.ctx.db);
    expect(order(await repo.listTitles(bob.user.id, { skip: 1, limit: 2, includePinned: true }))).toEqual([3, 2]);
    expect(order(await repo.listFiltered(bob.user.id, false, { skip: 0, limit: 2, direction: 'asc' }))).toEqual([1, 2]);
    expect(order(await repo.listFiltered(bob.user.id, false, { skip: 3, limit: 2, direction: 'asc' }))).toEqual([0]);
    // The compaction stores the date.
    expect(await chatsServiceFor(s.ctx).compactor.compact(ids[0]!)).toBe(true);
    expect(order((await call('GET', '/?page=1&include_pinned=true', bob.token)).body)).toEqual([0, 3, 2, 1]);
  });

  it('compacts past the row bound in the background, and deleting a chat or its user takes the rows', async () => {
    const svc = new ChatsService(s.ctx.db, { maxRows: 5, maxBytes: 1 << 20, idleMs: 60_000 });
    const c = await create(alice.token);
    for (let i = 0; i < 5; i++) await svc.upsertAssistantMessage(c.id, { messageId: `b${i}`, content: `m${i}` });
    await svc.compactor.idle();
    expect(await overlayRows(s, c.id)).toEqual([]);
    const stored = JSON.parse(await storedText(s, c.id));
    expect(stored.history.currentId).toBe('b4');
    expect(stored.history.messages.b3.childrenIds).toEqual(['b4']);
    await svc.compactor.close();

    const d = await create(alice.token);
    await call('POST', `/${d.id}/messages/x`, alice.token, { content: 'x' });
    expect((await call('DELETE', `/${d.id}`, alice.token)).status).toBe(200);
    expect(await overlayRows(s, d.id)).toEqual([]);

    const bob = await createUser(s.ctx);
    const e = await create(bob.token);
    await call('POST', `/${e.id}/messages/y`, bob.token, { content: 'y' });
    expect((await s.request('DELETE', `/api/v1/users/${bob.user.id}`, { token: admin.token })).status).toBe(200);
    expect(await overlayRows(s, e.id)).toEqual([]);
  });

  it('folds an idle chat, and a new process folds the rows it finds at start-up', async () => {
    const idle = new ChatsService(s.ctx.db, { maxRows: 64, maxBytes: 1 << 20, idleMs: 50 });
    const c = await create(alice.token);
    await idle.upsertAssistantMessage(c.id, { messageId: 'i1', content: 'idle' });
    expect((await overlayRows(s, c.id)).length).toBe(1);
    await expect.poll(async () => (await overlayRows(s, c.id)).length, { timeout: 5000 }).toBe(0);
    expect(JSON.parse(await storedText(s, c.id)).history.messages.i1.content).toBe('idle');
    await idle.compactor.close();

    // Rows left by a process that stopped: the next one's start-up sweep folds them.
    const d = await create(alice.token);
    await chatsServiceFor(s.ctx).upsertAssistantMessage(d.id, { messageId: 'left', content: 'left over' });
    const next = new ChatsService(s.ctx.db, { maxRows: 64, maxBytes: 1 << 20, idleMs: 50 });
    await expect.poll(async () => (await overlayRows(s, d.id)).length, { timeout: 5000 }).toBe(0);
    expect(JSON.parse(await storedText(s, d.id)).history.currentId).toBe('left');
    await next.compactor.close();
  });

  it('concurrent writes to one chat, through two services (two instances), all land', async () => {
    const c = await create(alice.token);
    const one = chatsServiceFor(s.ctx);
    const two = new ChatsService(s.ctx.db);
    const pieces = Array.from({ length: 24 }, (_, i) => `<${i}>`);
    await Promise.all([
      ...pieces.map((p, i) => (i % 2 ? one : two).upsertAssistantMessage(c.id, { messageId: 'stream', content: p, mode: 'append' })),
      ...Array.from({ length: 6 }, (_, i) => (i % 2 ? two : one).upsertAssistantMessage(c.id, { messageId: `n${i}`, content: `n${i}`, parentId: 'm2' })),
    ]);
    await two.compactor.close();
    const chat = (await call('GET', `/${c.id}`, alice.token)).body.chat;
    const content = chat.history.messages.stream.content as string;
    for (const p of pieces) expect(content.split(p).length).toBe(2);
    expect(content.length).toBe(pieces.join('').length);
    const children = chat.history.messages.m2.childrenIds as string[];
    for (let i = 0; i < 6; i++) expect(children.filter((x) => x === `n${i}`)).toEqual([`n${i}`]);
    expect(await overlayRows(s, c.id)).toHaveLength(7);
  });

  it('a failure between folding and deleting the rows changes nothing', async () => {
    const c = await create(alice.token);
    const svc = chatsServiceFor(s.ctx);
    await svc.upsertAssistantMessage(c.id, { messageId: 'keep', content: 'kept' });
    const before = (await call('GET', `/${c.id}`, alice.token)).body;
    const overlay = svc.repo.overlay;
    const original = overlay.deleteOf.bind(overlay);
    overlay.deleteOf = async () => {
      throw new Error('crash after the fold');
    };
    try {
      await expect(svc.compactor.compact(c.id)).rejects.toThrow('crash after the fold');
    } finally {
      overlay.deleteOf = original;
    }
    expect(await storedText(s, c.id)).toBe(JSON.stringify(sampleChat()));
    expect((await call('GET', `/${c.id}`, alice.token)).body).toEqual(before);
  });
});

describe('chat_message_overlay across a restart', () => {
  it('keeps messages written before the process stopped, and folds them after', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-overlay-'));
    const pgDb = POSTGRES_URL ? await createPostgresDatabase() : null;
    const dbUrl = pgDb ? pgDb.url : `sqlite:///${path.join(dir, 'keep.db')}`;
    const a = await startTestServer({ DATABASE_URL: dbUrl });
    const u = await createUser(a.ctx);
    const c = (await (await a.request('POST', '/api/v1/chats/new', { token: u.token, body: { chat: sampleChat() } })).json()) as { id: string };
    for (let i = 0; i < 3; i++) await a.request('POST', `/api/v1/chats/${c.id}/messages/r${i}`, { token: u.token, body: { content: `r${i}` } });
    const before = await (await a.request('GET', `/api/v1/chats/${c.id}`, { token: u.token })).json();
    // Stopped before any compaction ran (its idle timer is 30 s away).
    await a.close();

    const b = await startTestServer({ DATABASE_URL: dbUrl });
    try {
      expect((await overlayRows(b, c.id)).length).toBe(3);
      const after = await (await b.request('GET', `/api/v1/chats/${c.id}`, { token: u.token })).json();
      expect(after).toEqual(before);
      expect(await chatsServiceFor(b.ctx).compactor.compact(c.id)).toBe(true);
      expect(await (await b.request('GET', `/api/v1/chats/${c.id}`, { token: u.token })).json()).toEqual(before);
    } finally {
      await b.close();
      await pgDb?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('mergeOverlay', () => {
  it('splices text and stored bytes to the value the parsing path gives, for any document shape', () => {
    const ups: MessageUpsert[] = [
      { messageId: 'n1', content: 'one' },
      { messageId: 'm1', content: '+', mode: 'append' },
      { messageId: 'n2', content: 'two', parentId: 'n1', fields: { model: 'x' } },
      { messageId: 'n1', content: ' more', mode: 'append' },
    ];
    const rows: OverlayRow[] = [];
    let seq = 0;
    for (const up of ups) {
      const own = rows.find((r) => r.message_id === up.messageId);
      const latest = rows.reduce<OverlayRow | undefined>((a, r) => (!a || r.last_seq > a.last_seq ? r : a), undefined);
      const op = composeOp(own && parseOp(own.op), up, 5, up.parentId !== undefined ? up.parentId : latest?.message_id);
      seq++;
      if (own) Object.assign(own, { op: JSON.stringify(op), last_seq: seq });
      else rows.push({ message_id: up.messageId, first_seq: seq, last_seq: seq, op: JSON.stringify(op) });
    }
    const docs = [
      JSON.stringify(sampleChat()),
      '{"title":"no history"}',
      '{"history":{"messages":{}}}',
      '{ "history" : { "currentId" : "m1" , "messages" : { "m1" : { "id" : "m1" , "content" : "a" } } } , "x" : [1, {"y": "}"}] }',
      '{"history":{"messages":{"m1":"not an object"}}}',
      '{"history":[]}',
      'not json',
    ];
    for (const doc of docs) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(doc);
      } catch {
        parsed = {};
      }
      const reference = replayOnObject(parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : {}, rows);
      expect(JSON.parse(mergeOverlay(doc, rows) as string)).toEqual(JSON.parse(JSON.stringify(reference)));
      expect(JSON.parse((mergeOverlay(Buffer.from(doc), rows) as Buffer).toString('utf8'))).toEqual(JSON.parse(JSON.stringify(reference)));
    }
  });
});

describe('patchedText (whole-document save without parsing the stored document)', () => {
  it('gives JSON.stringify({ ...stored, ...patch }), or null where object key order would differ', () => {
    const cases: Array<[string, JsonObject]> = [
      [JSON.stringify(sampleChat()), { history: { messages: {}, currentId: null }, messages: [], title: 'New title' }],
      [JSON.stringify(sampleChat()), { params: { temperature: 0.3 }, extra: [1, { a: '"' }] }],
      ['{ "title" : null , "z" : 1, "__proto__": {"x": 1} }', { y: 2 }],
      ['{}', { title: { not: 'a string' } }],
      ['{"a":1}', {}],
    ];
    for (const [stored, patch] of cases) {
      const expected = { ...(JSON.parse(stored) as JsonObject), ...patch };
      const out = patchedText(stored, patch)!;
      expect(JSON.parse(out.text)).toEqual(JSON.parse(JSON.stringify(expected)));
      // Stored text as JSON.stringify writes it (every document we store) comes out byte for byte.
      if (stored === JSON.stringify(JSON.parse(stored))) expect(out.text).toBe(JSON.stringify(expected));
      expect(out.title).toBe(titleOf(expected));
    }
    expect(patchedText('{"1":1,"a":2}', { b: 3 })).toBeNull();
    expect(patchedText('{"a":1}', { 2: 3 })).toBeNull();
    expect(patchedText('{"a":1,"a":2}', {})).toBeNull();
    expect(patchedText('{"a":1} trailing', {})).toBeNull();
    expect(patchedText('[1]', {})).toBeNull();
  });
});

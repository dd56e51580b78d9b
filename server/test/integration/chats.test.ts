import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatsServiceFor } from '../../src/modules/chats/chats.service.js';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const NOT_FOUND = "We could not find what you're looking for :/";
const PROHIBITED = 'You do not have permission to access this resource. Please contact your administrator for assistance.';
const DEFAULT = 'Something went wrong :/';

function sampleChat(title: string, text = 'hello there') {
  return {
    title,
    models: ['llama3'],
    history: {
      currentId: 'm2',
      messages: {
        m1: { id: 'm1', parentId: null, childrenIds: ['m2'], role: 'user', content: text, timestamp: 1 },
        m2: { id: 'm2', parentId: 'm1', childrenIds: [], role: 'assistant', content: 'General Kenobi', model: 'llama3', timestamp: 2 },
      },
    },
    messages: [],
    tags: [],
  };
}

describe('/api/v1/chats over real HTTP', () => {
  let s: TestServer;
  let alice: { token: string; user: { id: string } };
  let bob: { token: string; user: { id: string } };
  let admin: { token: string; user: { id: string } };

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await s.request(method, `/api/v1/chats${path}`, { token, body });
    return { status: res.status, body: await res.json() };
  };
  const create = async (token: string, title: string, text?: string) => (await call('POST', '/new', token, { chat: sampleChat(title, text) })).body;

  beforeAll(async () => {
    s = await startTestServer();
    admin = await createUser(s.ctx, { role: 'admin' });
    alice = await createUser(s.ctx);
    bob = await createUser(s.ctx);
  });
  afterAll(() => s.close());

  it('creates, reads, updates (shallow merge) and deletes a chat', async () => {
    const c = await create(alice.token, 'First');
    expect(c).toMatchObject({ user_id: alice.user.id, title: 'First', archived: false, pinned: false, share_id: null, meta: {}, folder_id: null });
    expect(Object.keys(c).sort()).toEqual(['archived', 'chat', 'created_at', 'folder_id', 'id', 'meta', 'pinned', 'share_id', 'title', 'updated_at', 'user_id']);
    expect(c.chat.history.messages.m2.content).toBe('General Kenobi');

    const got = await call('GET', `/${c.id}`, alice.token);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(c);

    const upd = await call('POST', `/${c.id}`, alice.token, { chat: { title: 'Renamed', params: { temperature: 0.2 } } });
    expect(upd.status).toBe(200);
    expect(upd.body.title).toBe('Renamed');
    expect(upd.body.chat.params).toEqual({ temperature: 0.2 });
    expect(upd.body.chat.history.messages.m1.content).toBe('hello there');

    const untitled = await call('POST', '/new', alice.token, { chat: {} });
    expect(untitled.body.title).toBe('New Chat');

    expect((await call('DELETE', `/${c.id}`, alice.token)).body).toBe(true);
    expect(await call('GET', `/${c.id}`, alice.token)).toEqual({ status: 401, body: { detail: NOT_FOUND } });
  });

  it("answers 401 for another user's or a missing chat, and lets admins read any chat", async () => {
    const c = await create(alice.token, 'Private');
    expect(await call('GET', `/${c.id}`, bob.token)).toEqual({ status: 401, body: { detail: NOT_FOUND } });
    expect(await call('GET', '/does-not-exist', bob.token)).toEqual({ status: 401, body: { detail: NOT_FOUND } });
    expect(await call('POST', `/${c.id}`, bob.token, { chat: { title: 'x' } })).toEqual({ status: 401, body: { detail: PROHIBITED } });
    expect((await call('DELETE', `/${c.id}`, bob.token)).status).toBe(401);
    expect(await call('POST', `/${c.id}/pin`, bob.token)).toEqual({ status: 401, body: { detail: DEFAULT } });
    expect((await call('POST', `/${c.id}/archive`, bob.token)).status).toBe(401);
    expect((await call('POST', `/${c.id}/clone`, bob.token, {})).status).toBe(401);
    expect((await call('POST', `/${c.id}/share`, bob.token)).status).toBe(401);
    expect((await call('GET', `/${c.id}/tags`, bob.token)).status).toBe(401);
    expect((await call('POST', `/${c.id}/tags`, bob.token, { name: 'x' })).status).toBe(401);
    expect((await call('POST', `/${c.id}/messages/m2`, bob.token, { content: 'x' })).status).toBe(401);
    expect((await call('GET', `/${c.id}`, admin.token)).body.title).toBe('Private');
    expect((await call('GET', `/${c.id}`, alice.token)).body.chat.history.messages.m2.content).toBe('General Kenobi');
    const anon = await s.request('GET', `/api/v1/chats/${c.id}`);
    expect(anon.status).toBe(401);
  });

  it('lists 60 per page, newest first, without archived, pinned or in-folder chats unless asked', async () => {
    const u = await createUser(s.ctx);
    const svc = chatsServiceFor(s.ctx);
    const rows = await svc.importChats(
      u.user.id,
      Array.from({ length: 65 }, (_, i) => ({ chat: { title: `chat ${i}` }, created_at: 1000 + i, updated_at: 1000 + i })),
    );
    const page1 = await call('GET', '/?page=1', u.token);
    expect(page1.body).toHaveLength(60);
    expect(page1.body[0]).toEqual({ id: rows[64]!.id, title: 'chat 64', updated_at: 1064, created_at: 1064 });
    expect((await call('GET', '/list?page=2', u.token)).body).toHaveLength(5);
    expect((await call('GET', '/', u.token)).body).toHaveLength(65);

    const [a, b, c] = page1.body as Array<{ id: string }>;
    await call('POST', `/${a!.id}/archive`, u.token);
    const pinned = await call('POST', `/${b!.id}/pin`, u.token);
    expect(pinned.body.pinned).toBe(true);
    expect((await call('GET', `/${b!.id}/pinned`, u.token)).body).toBe(true);
    const moved = await call('POST', `/${c!.id}/folder`, u.token, { folder_id: 'folder-1' });
    expect(moved.body.folder_id).toBe('folder-1');

    const ids = (await call('GET', '/', u.token)).body.map((x: { id: string }) => x.id);
    expect(ids).toHaveLength(62);
    expect(ids).not.toContain(a!.id);
    const withPinned = (await call('GET', '/?include_pinned=true&include_folders=true', u.token)).body.map((x: { id: string }) => x.id);
    expect(withPinned).toHaveLength(64);
    expect((await call('GET', '/pinned', u.token)).body.map((x: { id: string }) => x.id)).toEqual([b!.id]);
    expect((await call('GET', '/folder/folder-1', u.token)).body.map((x: { id: string }) => x.id)).toEqual([c!.id]);
    expect((await call('GET', '/folder/folder-1/list?page=1', u.token)).body).toEqual([{ id: c!.id, title: 'chat 62', updated_at: moved.body.updated_at }]);
    expect((await call('GET', '/archived', u.token)).body.map((x: { id: string }) => x.id)).toEqual([a!.id]);
    expect((await call('GET', '/archived?query=64', u.token)).body).toHaveLength(1);
    expect((await call('GET', '/archived?query=zzz', u.token)).body).toHaveLength(0);
    expect((await call('GET', '/all/archived', u.token)).body.map((x: { id: string }) => x.id)).toEqual([a!.id]);
    expect((await call('GET', '/all', u.token)).body).toHaveLength(65);

    // Admin view of another user's chats, archived included.
    const adminList = await call('GET', `/list/user/${u.user.id}?order_by=title&direction=asc`, admin.token);
    expect(adminList.body).toHaveLength(60);
    expect(adminList.body[0].title).toBe('chat 0');
    expect((await call('GET', `/list/user/${u.user.id}`, alice.token)).status).toBe(401);
    expect((await call('GET', '/all/db', admin.token)).body.length).toBeGreaterThanOrEqual(65);
    expect((await call('GET', '/all/db', alice.token)).status).toBe(401);

    expect((await call('POST', '/archive/all', u.token)).body).toBe(true);
    expect((await call('GET', '/', u.token)).body).toHaveLength(0);
    expect((await call('POST', '/unarchive/all', u.token)).body).toBe(true);
    expect((await call('GET', '/', u.token)).body).toHaveLength(63);

    expect((await call('DELETE', '/', u.token)).body).toBe(true);
    expect((await call('GET', '/all', u.token)).body).toEqual([]);
  });

  it('searches titles and message text, with tag: filters, and manages tags', async () => {
    const u = await createUser(s.ctx);
    const one = await create(u.token, 'Budget planning', 'numbers for Q3');
    const two = await create(u.token, 'Holiday', 'where should we go in "July"?');
    await create(u.token, 'Recipes', 'pasta');

    const titles = async (text: string) => (await call('GET', `/search?text=${encodeURIComponent(text)}`, u.token)).body.map((x: { title: string }) => x.title);
    expect(await titles('budget')).toEqual(['Budget planning']);
    expect(await titles('q3')).toEqual(['Budget planning']);
    expect(await titles('"july"')).toEqual(['Holiday']);
    expect(await titles('kenobi')).toHaveLength(3);
    // JSON keys are not message text.
    expect(await titles('childrenIds')).toEqual([]);

    const tagged = await call('POST', `/${one.id}/tags`, u.token, { name: 'Work Stuff' });
    expect(tagged.body).toEqual([{ id: 'work_stuff', name: 'Work Stuff', user_id: u.user.id, meta: null }]);
    await call('POST', `/${two.id}/tags`, u.token, { name: 'fun' });
    await call('POST', `/${one.id}/tags`, u.token, { name: 'fun' });
    expect((await call('GET', `/${one.id}/tags`, u.token)).body.map((t: { id: string }) => t.id)).toEqual(['work_stuff', 'fun']);
    expect((await call('GET', `/${one.id}`, u.token)).body.meta.tags).toEqual(['work_stuff', 'fun']);
    expect((await call('GET', '/all/tags', u.token)).body.map((t: { id: string }) => t.id).sort()).toEqual(['fun', 'work_stuff']);

    expect(await titles('tag:work_stuff')).toEqual(['Budget planning']);
    expect((await titles('tag:fun')).sort()).toEqual(['Budget planning', 'Holiday']);
    expect(await titles('tag:fun kenobi')).toHaveLength(2);
    expect(await titles('tag:fun budget')).toEqual(['Budget planning']);
    expect(await titles('tag:none')).toEqual(['Recipes']);
    expect((await call('POST', '/tags', u.token, { name: 'fun' })).body).toHaveLength(2);

    const none = await call('POST', `/${one.id}/tags`, u.token, { name: 'None' });
    expect(none).toEqual({ status: 400, body: { detail: "[ERROR: Tag name cannot be 'None']" } });

    const afterDelete = await call('DELETE', `/${one.id}/tags`, u.token, { name: 'Work Stuff' });
    expect(afterDelete.body.map((t: { id: string }) => t.id)).toEqual(['fun']);
    // The last chat carrying the tag lost it, so the tag itself is gone.
    expect((await call('GET', '/all/tags', u.token)).body.map((t: { id: string }) => t.id)).toEqual(['fun']);
    expect((await call('DELETE', `/${two.id}/tags/all`, u.token)).body).toBe(true);
    expect((await call('GET', `/${two.id}/tags`, u.token)).body).toEqual([]);

    // Another user's search never sees these chats.
    expect((await call('GET', '/search?text=budget', bob.token)).body).toEqual([]);
  });

  it('clones, shares, reads the share, clones the share and unshares', async () => {
    const c = await create(alice.token, 'Shareable');
    const clone = await call('POST', `/${c.id}/clone`, alice.token, {});
    expect(clone.body.title).toBe('Clone of Shareable');
    expect(clone.body.chat).toMatchObject({ originalChatId: c.id, branchPointMessageId: 'm2' });
    expect((await call('POST', `/${c.id}/clone`, alice.token, { title: 'Mine' })).body.title).toBe('Mine');

    const shared = await call('POST', `/${c.id}/share`, alice.token);
    expect(shared.body.user_id).toBe(`shared-${c.id}`);
    const shareId = shared.body.id;
    expect((await call('GET', `/${c.id}`, alice.token)).body.share_id).toBe(shareId);
    const seen = await call('GET', `/share/${shareId}`, bob.token);
    expect(seen.body).toMatchObject({ id: shareId, title: 'Shareable' });
    expect(seen.body.chat.history.messages.m1.content).toBe('hello there');
    // The share id is stable when re-shared, and the snapshot refreshes.
    await call('POST', `/${c.id}`, alice.token, { chat: { title: 'Shareable v2' } });
    expect((await call('POST', `/${c.id}/share`, alice.token)).body).toMatchObject({ id: shareId, title: 'Shareable v2' });
    // Snapshots never show up in anybody's list.
    expect((await call('GET', '/', alice.token)).body.map((x: { id: string }) => x.id)).not.toContain(shareId);

    const bobsCopy = await call('POST', `/${shareId}/clone/shared`, bob.token);
    expect(bobsCopy.body).toMatchObject({ user_id: bob.user.id, title: 'Clone of Shareable v2' });

    expect((await call('DELETE', `/${c.id}/share`, alice.token)).body).toBe(true);
    expect((await call('DELETE', `/${c.id}/share`, alice.token)).body).toBe(false);
    expect(await call('GET', `/share/${shareId}`, bob.token)).toEqual({ status: 401, body: { detail: NOT_FOUND } });
  });

  it('imports one chat (older clients) or several (newer ones)', async () => {
    const one = await call('POST', '/import', alice.token, { chat: { title: 'Imported' }, meta: { tags: ['Old Tag'] }, pinned: true, created_at: 5, updated_at: 6 });
    expect(one.body).toMatchObject({ title: 'Imported', pinned: true, created_at: 5, updated_at: 6, meta: { tags: ['old_tag'] } });
    expect((await call('GET', `/${one.body.id}/tags`, alice.token)).body.map((t: { id: string }) => t.id)).toEqual(['old_tag']);
    const many = await call('POST', '/import', alice.token, { chats: [{ chat: { title: 'A' } }, { chat: { title: 'B' } }] });
    expect(many.body.map((c: { title: string }) => c.title)).toEqual(['A', 'B']);
  });

  it('updates one message and creates missing ones linked into the history', async () => {
    const c = await create(alice.token, 'Messages');
    const upd = await call('POST', `/${c.id}/messages/m2`, alice.token, { content: 'edited' });
    expect(upd.status).toBe(200);
    expect(upd.body.chat.history.messages.m2).toMatchObject({ content: 'edited', role: 'assistant', model: 'llama3' });

    const svc = chatsServiceFor(s.ctx);
    await svc.upsertAssistantMessage(c.id, { messageId: 'm3', parentId: 'm2', content: 'Hel', fields: { model: 'llama3' } });
    await svc.upsertAssistantMessage(c.id, { messageId: 'm3', content: 'lo', mode: 'append' });
    // An edit through the API between two chunks is kept.
    await call('POST', `/${c.id}`, alice.token, { chat: { title: 'Edited meanwhile' } });
    await svc.upsertAssistantMessage(c.id, { messageId: 'm3', content: ' world', mode: 'append' });
    expect(await svc.upsertAssistantMessage(c.id, { messageId: 'm3', content: '!', mode: 'append', fields: { done: true } })).toBe('Hello world!');
    const got = (await call('GET', `/${c.id}`, alice.token)).body;
    expect(got.title).toBe('Edited meanwhile');
    expect(got.chat.history.currentId).toBe('m3');
    expect(got.chat.history.messages.m3).toMatchObject({ id: 'm3', parentId: 'm2', childrenIds: [], role: 'assistant', content: 'Hello world!', done: true });
    expect(got.chat.history.messages.m2.childrenIds).toEqual(['m3']);
    expect(await svc.upsertAssistantMessage('missing', { messageId: 'x', content: 'y' })).toBeNull();
    expect(await svc.upsertAssistantMessage(c.id, { messageId: 'x', content: 'y' }, bob.user.id)).toBeNull();

    expect((await call('POST', `/${c.id}/messages/m3/event`, alice.token, { type: 'status', data: {} })).body).toBe(false);
  });

  it('rejects bad input with 4xx, never 500', async () => {
    const c = await create(alice.token, 'Input');
    const bad: Array<[string, string, unknown]> = [
      ['POST', '/new', {}],
      ['POST', '/new', { chat: 'text' }],
      ['POST', '/new', { chat: [] }],
      ['POST', `/${c.id}`, { chat: null }],
      ['POST', `/${c.id}/messages/m1`, { content: 5 }],
      ['POST', `/${c.id}/tags`, { name: '' }],
      ['POST', `/${c.id}/tags`, { name: 'x'.repeat(300) }],
      ['POST', '/tags', { name: 'a', limit: -1 }],
      ['POST', '/import', { chat: 1 }],
    ];
    for (const [method, path, body] of bad) {
      const r = await call(method, path, alice.token, body);
      expect(r.status, `${method} ${path}`).toBe(422);
      expect(Array.isArray(r.body.detail)).toBe(true);
    }
    for (const path of ['/?page=0', '/?page=abc', '/?include_pinned=maybe', '/archived?order_by=drop', '/search', '/search?text=a&page=-1']) {
      expect((await call('GET', path, alice.token)).status, path).toBe(422);
    }
    expect((await call('GET', '/%00', alice.token)).status).toBe(422);
    expect((await call('GET', `/search?text=${encodeURIComponent('a\0b')}`, alice.token)).status).toBe(200);
    const nulTitle = await call('POST', '/new', alice.token, { chat: { title: 'a\u0000b', history: { messages: {} } } });
    expect(nulTitle.status).toBe(200);
    expect(nulTitle.body.title).toBe('ab');
    expect(nulTitle.body.chat.title).toBe('a\u0000b');
    const raw = await s.request('POST', '/api/v1/chats/new', { token: alice.token, body: '{"chat":', headers: { 'content-type': 'application/json' } });
    expect(raw.status).toBe(400);
  });

  it('honours chat.delete and chat.share user permissions', async () => {
    const c = await create(alice.token, 'Perm');
    await s.ctx.settings.set({ USER_PERMISSIONS: { chat: { delete: false, share: false } } });
    try {
      expect(await call('DELETE', `/${c.id}`, alice.token)).toEqual({ status: 401, body: { detail: PROHIBITED } });
      expect(await call('DELETE', '/', alice.token)).toEqual({ status: 401, body: { detail: PROHIBITED } });
      expect(await call('POST', `/${c.id}/share`, alice.token)).toEqual({ status: 401, body: { detail: PROHIBITED } });
    } finally {
      await s.ctx.settings.set({ USER_PERMISSIONS: {} });
    }
    expect((await call('DELETE', `/${c.id}`, alice.token)).body).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const NOT_FOUND = "We could not find what you're looking for :/";

describe('/api/v1/folders over real HTTP', () => {
  let s: TestServer;
  let alice: { token: string; user: { id: string } };
  let bob: { token: string; user: { id: string } };
  const call = async (method: string, p: string, token: string, body?: unknown) => {
    const res = await s.request(method, p, { token, body });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    s = await startTestServer();
    alice = await createUser(s.ctx);
    bob = await createUser(s.ctx);
  });
  afterAll(() => s.close());

  it('creates, lists, gets, renames, expands and nests folders; names are unique per level', async () => {
    const work = await call('POST', '/api/v1/folders/', alice.token, { name: 'Work' });
    expect(work.status).toBe(200);
    expect(work.body).toMatchObject({ name: 'Work', parent_id: null, user_id: alice.user.id, is_expanded: false, items: null, data: null });
    expect(Object.keys(work.body).sort()).toEqual(['created_at', 'data', 'id', 'is_expanded', 'items', 'meta', 'name', 'parent_id', 'updated_at', 'user_id']);
    expect(await call('POST', '/api/v1/folders/', alice.token, { name: 'work' })).toEqual({ status: 400, body: { detail: '[ERROR: Folder already exists]' } });
    expect((await call('POST', '/api/v1/folders/', alice.token, { name: '  ' })).status).toBe(422);
    expect((await call('POST', '/api/v1/folders/', alice.token, { name: 'a\u0000b' })).status).toBe(422);

    const home = (await call('POST', '/api/v1/folders/', alice.token, { name: 'Home', meta: { icon: '🏠' } })).body;
    const list = await call('GET', '/api/v1/folders/', alice.token);
    expect(list.body.map((f: any) => f.name)).toEqual(['Work', 'Home']);
    expect(list.body[1]).toEqual({ id: home.id, name: 'Home', meta: { icon: '🏠' }, parent_id: null, is_expanded: false, created_at: home.created_at, updated_at: home.updated_at });

    expect((await call('GET', `/api/v1/folders/${work.body.id}`, alice.token)).body.name).toBe('Work');
    expect(await call('GET', `/api/v1/folders/${work.body.id}`, bob.token)).toEqual({ status: 404, body: { detail: NOT_FOUND } });
    expect((await call('GET', '/api/v1/folders/', bob.token)).body).toEqual([]);

    expect((await call('POST', `/api/v1/folders/${work.body.id}/update`, alice.token, { name: 'Job' })).body.name).toBe('Job');
    expect((await call('POST', `/api/v1/folders/${work.body.id}/update`, alice.token, { name: 'Home' })).status).toBe(400);
    expect((await call('POST', `/api/v1/folders/${work.body.id}/update/expanded`, alice.token, { is_expanded: true })).body.is_expanded).toBe(true);
    expect((await call('POST', `/api/v1/folders/${work.body.id}/update/expanded`, alice.token, { is_expanded: 'yes' })).status).toBe(422);

    const moved = await call('POST', `/api/v1/folders/${home.id}/update/parent`, alice.token, { parent_id: work.body.id });
    expect(moved.body.parent_id).toBe(work.body.id);
    // Into itself or its own child: refused.
    expect((await call('POST', `/api/v1/folders/${work.body.id}/update/parent`, alice.token, { parent_id: home.id })).status).toBe(400);
    expect((await call('POST', `/api/v1/folders/${home.id}/update/parent`, alice.token, { parent_id: 'missing' })).status).toBe(404);
    expect((await call('POST', `/api/v1/folders/${home.id}/update/parent`, alice.token, { parent_id: null })).body.parent_id).toBe(null);
    expect((await call('POST', `/api/v1/folders/${home.id}/update/parent`, bob.token, { parent_id: null })).status).toBe(404);
    expect((await call('GET', '/api/v1/folders/__proto__', alice.token)).status).toBe(404);
  });

  it('chats move into a folder, are listed there, and deleting the folder deletes its subtree and chats', async () => {
    const top = (await call('POST', '/api/v1/folders/', alice.token, { name: 'Projects' })).body;
    const sub = (await call('POST', '/api/v1/folders/', alice.token, { name: 'Sub', parent_id: top.id })).body;
    expect(sub.parent_id).toBe(top.id);
    const chat = (await call('POST', '/api/v1/chats/new', alice.token, { chat: { title: 'In folder' } })).body;
    const other = (await call('POST', '/api/v1/chats/new', alice.token, { chat: { title: 'Outside' } })).body;
    await call('POST', `/api/v1/chats/${chat.id}/folder`, alice.token, { folder_id: sub.id });
    expect((await call('GET', `/api/v1/chats/folder/${sub.id}`, alice.token)).body.map((c: any) => c.id)).toEqual([chat.id]);
    expect((await call('GET', '/api/v1/chats/', alice.token)).body.map((c: any) => c.id)).toEqual([other.id]);

    expect(await call('DELETE', `/api/v1/folders/${top.id}`, bob.token)).toEqual({ status: 404, body: { detail: NOT_FOUND } });
    expect(await call('DELETE', `/api/v1/folders/${top.id}`, alice.token)).toEqual({ status: 200, body: true });
    expect((await call('GET', `/api/v1/folders/${sub.id}`, alice.token)).status).toBe(404);
    expect((await call('GET', `/api/v1/chats/${chat.id}`, alice.token)).status).toBe(401);
    expect((await call('GET', `/api/v1/chats/${other.id}`, alice.token)).status).toBe(200);
  });
});

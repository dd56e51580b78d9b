import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_USER_PERMISSIONS } from '../../src/config/persistent-keys.js';
import { createUser } from '../factories/users.js';
import { upload, uploadProcessed } from '../helpers/files.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { vectorEnv } from '../helpers/vector-env.js';

describe('knowledge bases', () => {
  let srv: TestServer;
  let vec: Awaited<ReturnType<typeof vectorEnv>>;
  let alice: { token: string; user: { id: string } };
  let bob: { token: string };
  let admin: { token: string };

  const query = async (token: string, kid: string, q: string) =>
    (await srv.request('POST', '/api/v1/retrieval/query/collection', { token, body: { collection_names: [kid], query: q, k: 5 } })).json();

  beforeAll(async () => {
    vec = await vectorEnv();
    srv = await startTestServer(vec.env);
    admin = await createUser(srv.ctx, { role: 'admin' });
    alice = await createUser(srv.ctx);
    bob = await createUser(srv.ctx);
  });
  afterAll(async () => {
    await srv.close();
    await vec?.close();
  });

  it('needs workspace.knowledge to create (off for users by default, as the original)', async () => {
    const r = await srv.request('POST', '/api/v1/knowledge/create', { token: alice.token, body: { name: 'KB', description: '' } });
    expect(r.status).toBe(401);
    const perms = structuredClone(DEFAULT_USER_PERMISSIONS);
    perms.workspace.knowledge = true;
    await srv.ctx.settings.set({ USER_PERMISSIONS: perms });
    expect((await srv.request('POST', '/api/v1/knowledge/create', { token: alice.token, body: { description: 'no name' } })).status).toBe(422);
  });

  it('create, add files, query, list, update, remove, reset, delete', async () => {
    const created = await srv.request('POST', '/api/v1/knowledge/create', { token: alice.token, body: { name: 'Handbook', description: 'Company handbook' } });
    expect(created.status).toBe(200);
    const kb = await created.json();
    expect(kb).toMatchObject({ name: 'Handbook', description: 'Company handbook', user_id: alice.user.id, data: { file_ids: [] }, files: [] });
    expect(kb.access_control).toEqual({});

    const a = await uploadProcessed(srv, alice.token, 'holidays.txt', 'Employees get 30 days of paid holiday per year.');
    const b = await uploadProcessed(srv, alice.token, 'parking.txt', 'Parking spots are on level minus two.');
    const added = await (await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/add`, { token: alice.token, body: { file_id: a.id } })).json();
    expect(added.data.file_ids).toEqual([a.id]);
    expect(added.files).toEqual([expect.objectContaining({ id: a.id, meta: expect.objectContaining({ name: 'holidays.txt' }) })]);
    const again = await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/add`, { token: alice.token, body: { file_id: a.id } });
    expect(again.status).toBe(400);

    const batch = await (await srv.request('POST', `/api/v1/knowledge/${kb.id}/files/batch/add`, { token: alice.token, body: [{ file_id: b.id }, { file_id: 'missing' }] })).json();
    expect(batch.data.file_ids).toEqual([a.id, b.id]);
    expect(batch.warnings.errors).toEqual([expect.objectContaining({ file_id: 'missing' })]);

    const hit = await query(alice.token, kb.id, 'how many holiday days');
    expect(hit.documents[0][0]).toContain('30 days');

    const list = await (await srv.request('GET', '/api/v1/knowledge/', { token: alice.token })).json();
    expect(list).toEqual([expect.objectContaining({ id: kb.id, files: expect.any(Array), user: expect.objectContaining({ id: alice.user.id }) })]);
    expect(await (await srv.request('GET', '/api/v1/knowledge/list', { token: alice.token })).json()).toHaveLength(1);

    const upd = await (await srv.request('POST', `/api/v1/knowledge/${kb.id}/update`, { token: alice.token, body: { name: 'Handbook 2', description: 'v2' } })).json();
    expect(upd).toMatchObject({ name: 'Handbook 2', description: 'v2' });

    const removed = await (await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/remove?delete_file=false`, { token: alice.token, body: { file_id: a.id } })).json();
    expect(removed.data.file_ids).toEqual([b.id]);
    expect((await query(alice.token, kb.id, 'holiday')).documents[0]).toEqual([]);
    expect((await srv.request('GET', `/api/v1/files/${a.id}`, { token: alice.token })).status).toBe(200);

    // Deleting a file takes it out of every knowledge base.
    await srv.request('DELETE', `/api/v1/files/${b.id}`, { token: alice.token });
    const afterDelete = await (await srv.request('GET', `/api/v1/knowledge/${kb.id}`, { token: alice.token })).json();
    expect(afterDelete.data.file_ids).toEqual([]);
    expect((await query(alice.token, kb.id, 'parking')).documents[0]).toEqual([]);

    await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/add`, { token: alice.token, body: { file_id: a.id } });
    const reset = await (await srv.request('POST', `/api/v1/knowledge/${kb.id}/reset`, { token: alice.token })).json();
    expect(reset.data).toEqual({ file_ids: [] });
    expect((await query(alice.token, kb.id, 'holiday')).documents[0]).toEqual([]);

    expect(await (await srv.request('DELETE', `/api/v1/knowledge/${kb.id}/delete`, { token: alice.token })).json()).toBe(true);
    expect((await srv.request('GET', `/api/v1/knowledge/${kb.id}`, { token: alice.token })).status).toBe(404);
  });

  it("another user gets 404 for someone's knowledge and cannot add someone's file", async () => {
    const kb = await (await srv.request('POST', '/api/v1/knowledge/create', { token: alice.token, body: { name: 'Private', description: '' } })).json();
    const f = await uploadProcessed(srv, alice.token, 'secret.txt', 'The safe combination is 1234.');
    await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/add`, { token: alice.token, body: { file_id: f.id } });
    for (const [method, path, body] of [
      ['GET', `/api/v1/knowledge/${kb.id}`, undefined],
      ['POST', `/api/v1/knowledge/${kb.id}/update`, { name: 'x', description: '' }],
      ['POST', `/api/v1/knowledge/${kb.id}/file/add`, { file_id: f.id }],
      ['POST', `/api/v1/knowledge/${kb.id}/reset`, undefined],
      ['DELETE', `/api/v1/knowledge/${kb.id}/delete`, undefined],
    ] as const) {
      expect((await srv.request(method, path, { token: bob.token, body })).status, path).toBe(404);
    }
    expect(await (await srv.request('GET', '/api/v1/knowledge/', { token: bob.token })).json()).toEqual([]);
    expect((await srv.request('POST', '/api/v1/retrieval/query/collection', { token: bob.token, body: { collection_names: [kb.id], query: 'safe' } })).status).toBe(404);

    const perms = structuredClone(DEFAULT_USER_PERMISSIONS);
    perms.workspace.knowledge = true;
    await srv.ctx.settings.set({ USER_PERMISSIONS: perms });
    const bobKb = await (await srv.request('POST', '/api/v1/knowledge/create', { token: bob.token, body: { name: 'Bob', description: '' } })).json();
    const steal = await srv.request('POST', `/api/v1/knowledge/${bobKb.id}/file/add`, { token: bob.token, body: { file_id: f.id } });
    expect(steal.status).toBe(400);
    expect((await srv.request('GET', `/api/v1/knowledge/${kb.id}`, { token: admin.token })).status).toBe(200);
    expect((await srv.request('POST', '/api/v1/knowledge/reindex', { token: bob.token })).status).toBe(401);
    expect(await (await srv.request('POST', '/api/v1/knowledge/reindex', { token: admin.token })).json()).toBe(true);
    expect((await query(alice.token, kb.id, 'safe combination')).documents[0][0]).toContain('1234');
  });

  it('a knowledge base shared with a group is readable by its members only (shared access-control evaluator)', async () => {
    const carol = await createUser(srv.ctx);
    const group = await (await srv.request('POST', '/api/v1/groups/create', { token: admin.token, body: { name: 'research', description: '' } })).json();
    const upd = await srv.request('POST', `/api/v1/groups/id/${group.id}/update`, { token: admin.token, body: { name: 'research', description: '', user_ids: [carol.user.id] } });
    expect(upd.status).toBe(200);
    const kb = await (await srv.request('POST', '/api/v1/knowledge/create', {
      token: alice.token,
      body: { name: 'Research notes', description: '', access_control: { read: { group_ids: [group.id], user_ids: [] }, write: { group_ids: [], user_ids: [] } } },
    })).json();
    const f = await uploadProcessed(srv, alice.token, 'lab.txt', 'The lab door code is 4711.');
    expect((await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/add`, { token: alice.token, body: { file_id: f.id } })).status).toBe(200);

    expect((await srv.request('GET', `/api/v1/knowledge/${kb.id}`, { token: carol.token })).status).toBe(200);
    expect((await query(carol.token, kb.id, 'lab door code')).documents[0][0]).toContain('4711');
    expect((await srv.request('GET', `/api/v1/knowledge/${kb.id}`, { token: bob.token })).status).toBe(404);
    // Read access is not write access.
    expect((await srv.request('POST', `/api/v1/knowledge/${kb.id}/update`, { token: carol.token, body: { name: 'x', description: '' } })).status).toBe(400);
    // Without sharing.public_knowledge a user's "public" request stays private.
    const pub = await (await srv.request('POST', '/api/v1/knowledge/create', { token: alice.token, body: { name: 'Public?', description: '', access_control: null } })).json();
    expect(pub.access_control).toEqual({});
  });

  it('file/update re-indexes a changed file into the knowledge base', async () => {
    const kb = await (await srv.request('POST', '/api/v1/knowledge/create', { token: alice.token, body: { name: 'Changing', description: '' } })).json();
    const f = await uploadProcessed(srv, alice.token, 'menu.txt', 'Monday soup is tomato.');
    await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/add`, { token: alice.token, body: { file_id: f.id } });
    await srv.request('POST', `/api/v1/files/${f.id}/data/content/update`, { token: alice.token, body: { content: 'Monday soup is pumpkin.' } });
    const upd = await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/update`, { token: alice.token, body: { file_id: f.id } });
    expect(upd.status).toBe(200);
    const hit = await query(alice.token, kb.id, 'Monday soup');
    expect(hit.documents[0]).toEqual(['Monday soup is pumpkin.']);
    expect((await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/update`, { token: alice.token, body: { file_id: 'not-in-it' } })).status).toBe(400);
  });

  it('a knowledge base of 50 files answers from any of them', async () => {
    const kb = await (await srv.request('POST', '/api/v1/knowledge/create', { token: admin.token, body: { name: 'Fifty', description: '' } })).json();
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const { res, body } = await upload(srv, admin.token, `doc${i}.txt`, `Document ${i} says the code word is WORD${i}X.`);
      expect(res.status, JSON.stringify(body)).toBe(200);
      ids.push(body.id as string);
    }
    // Added while some are still processing: the add waits for each.
    const res = await (await srv.request('POST', `/api/v1/knowledge/${kb.id}/files/batch/add`, { token: admin.token, body: ids.map((file_id) => ({ file_id })) })).json();
    expect(res.warnings, JSON.stringify(res.warnings)).toBeUndefined();
    expect(res.data.file_ids).toHaveLength(50);
    const hit = await query(admin.token, kb.id, 'WORD37X');
    expect(hit.documents[0][0]).toContain('WORD37X');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('/api/v1/evaluations/feedback* and /api/v1/memories over real HTTP', () => {
  let s: TestServer;
  let alice: { token: string; user: { id: string } };
  let bob: { token: string; user: { id: string } };
  let admin: { token: string; user: { id: string } };
  const call = async (method: string, p: string, token: string, body?: unknown) => {
    const res = await s.request(method, p, { token, body });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    s = await startTestServer();
    admin = await createUser(s.ctx, { role: 'admin' });
    alice = await createUser(s.ctx);
    bob = await createUser(s.ctx);
  });
  afterAll(() => s.close());

  it('rates a reply, changes the rating, lists own and (admin) all, deletes', async () => {
    const form = { type: 'rating', data: { rating: 1, model_id: 'llama3:latest', reason: 'Accurate information', comment: 'nice' }, meta: { chat_id: 'c1', message_id: 'm2' }, snapshot: { chat: { id: 'c1' } } };
    const created = await call('POST', '/api/v1/evaluations/feedback', alice.token, form);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ user_id: alice.user.id, version: 0, type: 'rating', data: form.data, meta: form.meta, snapshot: form.snapshot });
    const id = created.body.id;
    expect((await call('POST', '/api/v1/evaluations/feedback', alice.token, { data: {} })).status).toBe(422);

    const updated = await call('POST', `/api/v1/evaluations/feedback/${id}`, alice.token, { ...form, data: { ...form.data, rating: -1 } });
    expect(updated.body.data.rating).toBe(-1);
    expect((await call('GET', `/api/v1/evaluations/feedback/${id}`, bob.token)).status).toBe(404);
    expect((await call('POST', `/api/v1/evaluations/feedback/${id}`, bob.token, form)).status).toBe(404);

    const mine = await call('GET', '/api/v1/evaluations/feedbacks/user', alice.token);
    expect(mine.body).toHaveLength(1);
    expect(mine.body[0].snapshot).toBeUndefined();
    expect((await call('GET', '/api/v1/evaluations/feedbacks/user', bob.token)).body).toEqual([]);
    const all = await call('GET', '/api/v1/evaluations/feedbacks/all', admin.token);
    expect(all.body[0]).toMatchObject({ id, user: { id: alice.user.id, role: 'user' } });
    expect((await call('GET', '/api/v1/evaluations/feedbacks/all', alice.token)).status).toBe(401);
    expect((await call('GET', '/api/v1/evaluations/feedbacks/all/export', admin.token)).body[0].snapshot).toEqual(form.snapshot);

    expect((await call('DELETE', `/api/v1/evaluations/feedback/${id}`, bob.token)).status).toBe(404);
    expect(await call('DELETE', `/api/v1/evaluations/feedback/${id}`, alice.token)).toEqual({ status: 200, body: true });
    expect((await call('GET', `/api/v1/evaluations/feedback/${id}`, alice.token)).status).toBe(404);
  });

  it('adds, lists, updates, queries and deletes memories, each user seeing only their own', async () => {
    expect(await call('POST', '/api/v1/memories/query', alice.token, { content: 'x' })).toEqual({ status: 404, body: { detail: 'No memories found for user' } });
    const m1 = (await call('POST', '/api/v1/memories/add', alice.token, { content: 'I live in Berlin' })).body;
    const m2 = (await call('POST', '/api/v1/memories/add', alice.token, { content: 'My favourite language is TypeScript' })).body;
    expect(m1).toMatchObject({ user_id: alice.user.id, content: 'I live in Berlin' });
    expect((await call('POST', '/api/v1/memories/add', alice.token, { content: ' ' })).status).toBe(422);
    expect((await call('GET', '/api/v1/memories/', alice.token)).body.map((m: any) => m.id)).toEqual([m1.id, m2.id]);
    expect((await call('GET', '/api/v1/memories/', bob.token)).body).toEqual([]);

    const q = await call('POST', '/api/v1/memories/query', alice.token, { content: 'which language do I like? TypeScript?', k: 1 });
    expect(q.body).toMatchObject({ ids: [[m2.id]], documents: [['My favourite language is TypeScript']] });
    expect(q.body.distances[0][0]).toBeLessThan(1);

    expect((await call('POST', `/api/v1/memories/${m1.id}/update`, alice.token, { content: 'I live in Paris' })).body.content).toBe('I live in Paris');
    expect(await call('POST', `/api/v1/memories/${m1.id}/update`, bob.token, { content: 'hijack' })).toEqual({ status: 404, body: { detail: 'Memory not found' } });
    expect((await call('DELETE', `/api/v1/memories/${m1.id}`, bob.token)).body).toBe(false);
    expect((await call('DELETE', `/api/v1/memories/${m1.id}`, alice.token)).body).toBe(true);
    expect((await call('DELETE', '/api/v1/memories/delete/user', alice.token)).body).toBe(true);
    expect((await call('GET', '/api/v1/memories/', alice.token)).body).toEqual([]);
  });
});

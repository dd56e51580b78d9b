import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startFakeEmbeddings, type FakeEmbeddings } from '../fakes/fake-embeddings.js';
import { upload, uploadProcessed } from '../helpers/files.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { vectorEnv } from '../helpers/vector-env.js';

type Json = Record<string, any>;

describe('retrieval maintenance (delete, reset/db, reset/uploads), process/youtube, process/files/batch, files/{id}/content/html', () => {
  let srv: TestServer;
  let vec: Awaited<ReturnType<typeof vectorEnv>>;
  let fake: FakeEmbeddings;
  let admin: { token: string };
  let alice: { token: string };

  const query = async (names: string[], q: string) =>
    (await (await srv.request('POST', '/api/v1/retrieval/query/collection', { token: admin.token, body: { collection_names: names, query: q, k: 5 } })).json()) as Json;

  beforeAll(async () => {
    vec = await vectorEnv();
    fake = await startFakeEmbeddings(32);
    srv = await startTestServer({ ...vec.env, RAG_EMBEDDING_ENGINE: 'openai', RAG_EMBEDDING_MODEL: 'e', RAG_OPENAI_API_BASE_URL: `${fake.url}/v1`, CHUNK_SIZE: '100', CHUNK_OVERLAP: '0' });
    admin = await createUser(srv.ctx, { role: 'admin' });
    alice = await createUser(srv.ctx);
  });
  afterAll(async () => {
    await srv.close();
    await fake.close();
    await vec.close();
  });

  it('delete removes one file from a collection; unknown collection or file answers status false', async () => {
    const kb = (await (await srv.request('POST', '/api/v1/knowledge/create', { token: admin.token, body: { name: 'KB', description: '' } })).json()) as Json;
    const one = await uploadProcessed(srv, admin.token, 'one.txt', 'Walruses live on Arctic ice floes.');
    const two = await uploadProcessed(srv, admin.token, 'two.txt', 'Penguins live in the Southern Hemisphere.');
    for (const f of [one, two]) expect((await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/add`, { token: admin.token, body: { file_id: f.id } })).status).toBe(200);

    const del = (body: Json, token = admin.token) => srv.request('POST', '/api/v1/retrieval/delete', { token, body });
    expect((await del({ collection_name: kb.id, file_id: one.id }, alice.token)).status).toBe(401);
    expect(await (await del({ collection_name: kb.id, file_id: one.id })).json()).toEqual({ status: true });
    const left = await query([kb.id], 'walruses penguins');
    expect(left.metadatas[0].map((m: Json) => m.file_id)).toEqual([two.id]);
    expect(await (await del({ collection_name: 'no-such-collection', file_id: one.id })).json()).toEqual({ status: false });
    expect(await (await del({ collection_name: kb.id, file_id: 'no-such-file' })).json()).toEqual({ status: false });
    expect((await del({ collection_name: kb.id })).status).toBe(422);
  });

  it('reset/db empties the vector store and removes every knowledge base; reset/uploads removes the bytes', async () => {
    const f = await uploadProcessed(srv, alice.token, 'keep.txt', 'Narwhals have one long tusk.');
    expect((await query([`file-${f.id}`], 'narwhal tusk')).documents[0].length).toBe(1);
    expect((await srv.request('POST', '/api/v1/retrieval/reset/db', { token: alice.token })).status).toBe(401);

    const reset = await srv.request('POST', '/api/v1/retrieval/reset/db', { token: admin.token });
    expect(reset.status).toBe(200);
    expect(await reset.json()).toBeNull();
    expect((await query([`file-${f.id}`], 'narwhal tusk')).documents[0]).toEqual([]);
    expect(await (await srv.request('GET', '/api/v1/knowledge/', { token: admin.token })).json()).toEqual([]);
    // The store works again straight after.
    const g = await uploadProcessed(srv, alice.token, 'again.txt', 'Octopuses have three hearts.');
    expect((await query([`file-${g.id}`], 'octopus hearts')).documents[0][0]).toContain('three hearts');

    expect((await srv.request('GET', `/api/v1/files/${g.id}/content`, { token: alice.token })).status).toBe(200);
    expect((await srv.request('POST', '/api/v1/retrieval/reset/uploads', { token: alice.token })).status).toBe(401);
    expect(await (await srv.request('POST', '/api/v1/retrieval/reset/uploads', { token: admin.token })).json()).toBe(true);
    const gone = await srv.request('GET', `/api/v1/files/${g.id}/content`, { token: alice.token });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toHaveProperty('detail');
    // The file's row and text remain, as in the original.
    expect(((await (await srv.request('GET', `/api/v1/files/${g.id}/data/content`, { token: alice.token })).json()) as Json).content).toContain('three hearts');
  });

  it('process/youtube is the same handler as process/web (the URL guard included)', async () => {
    // Nothing listens on port 9: both answer the same clear error (502, unreachable), with a detail.
    const body = { url: 'http://127.0.0.1:9/watch?v=x' };
    const web = await srv.request('POST', '/api/v1/retrieval/process/web', { token: alice.token, body });
    const yt = await srv.request('POST', '/api/v1/retrieval/process/youtube', { token: alice.token, body });
    expect(yt.status).toBe(web.status);
    expect([400, 502]).toContain(yt.status);
    expect(await yt.json()).toHaveProperty('detail');
    expect((await srv.request('POST', '/api/v1/retrieval/process/youtube', { token: alice.token, body: {} })).status).toBe(422);
  });

  it("content/html serves an admin's HTML file sandboxed; a user's file, a stranger or an unknown id get 404", async () => {
    const html = '<html><body><h1>Report</h1><script>1</script></body></html>';
    const mine = (await upload(srv, admin.token, 'report.html', html, 'text/html', '?process=false')).body;
    const r = await srv.request('GET', `/api/v1/files/${mine.id}/content/html`, { token: admin.token });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe('sandbox allow-scripts allow-downloads');
    expect(await r.text()).toBe(html);
    // Not the admin's: as the original, 404 even for its owner.
    const theirs = (await upload(srv, alice.token, 'page.html', html, 'text/html', '?process=false')).body;
    const own = await srv.request('GET', `/api/v1/files/${theirs.id}/content/html`, { token: alice.token });
    expect(own.status).toBe(404);
    expect(await own.json()).toHaveProperty('detail');
    expect((await srv.request('GET', `/api/v1/files/${mine.id}/content/html`, { token: alice.token })).status).toBe(404);
    expect((await srv.request('GET', '/api/v1/files/__proto__/content/html', { token: admin.token })).status).toBe(404);
    expect((await srv.request('GET', `/api/v1/files/${mine.id}/content/html`)).status).toBe(401);
  });

  it('process/files/batch indexes the files sent into one collection; a file not the caller\'s is an error entry', async () => {
    const kb = (await (await srv.request('POST', '/api/v1/knowledge/create', { token: admin.token, body: { name: 'Batch', description: '' } })).json()) as Json;
    const one = (await upload(srv, admin.token, 'a.txt', 'placeholder', 'text/plain', '?process=false')).body;
    const two = await uploadProcessed(srv, admin.token, 'b.txt', 'Axolotls regrow their limbs.');
    const foreign = await uploadProcessed(srv, alice.token, 'c.txt', 'Alice keeps this to herself.');
    const res = await srv.request('POST', '/api/v1/retrieval/process/files/batch', {
      token: admin.token,
      body: { collection_name: kb.id, files: [{ id: one.id, data: { content: 'Tardigrades survive<br/>in space.' } }, { id: two.id }, { id: 'missing' }] },
    });
    expect(res.status).toBe(200);
    const out = (await res.json()) as Json;
    expect(out.results).toEqual([{ file_id: one.id, status: 'completed' }, { file_id: two.id, status: 'completed' }]);
    expect(out.errors).toEqual([{ file_id: 'missing', status: 'failed', error: expect.any(String) }]);
    const q = await query([kb.id], 'tardigrades space axolotls limbs');
    expect(q.metadatas[0].map((m: Json) => m.file_id).sort()).toEqual([one.id, two.id].sort());
    expect(q.documents[0].join(' ')).toContain('Tardigrades survive\nin space.');

    // Alice: someone else's knowledge base is 404; her own file into a collection name of her own works,
    // the admin's file in the same batch is an error entry.
    const theirs = await srv.request('POST', '/api/v1/retrieval/process/files/batch', { token: alice.token, body: { collection_name: kb.id, files: [{ id: foreign.id }] } });
    expect(theirs.status).toBe(404);
    const mixed = (await (await srv.request('POST', '/api/v1/retrieval/process/files/batch', { token: alice.token, body: { collection_name: 'alice-notes', files: [{ id: foreign.id }, { id: two.id }] } })).json()) as Json;
    expect(mixed.results).toEqual([{ file_id: foreign.id, status: 'completed' }]);
    expect(mixed.errors.map((e: Json) => e.file_id)).toEqual([two.id]);
    expect((await srv.request('POST', '/api/v1/retrieval/process/files/batch', { token: alice.token, body: { collection_name: 'x', files: [] } })).status).toBe(422);
  });
});

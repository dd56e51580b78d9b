import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_USER_PERMISSIONS } from '../../src/config/persistent-keys.js';
import { createUser } from '../factories/users.js';
import { startFakeEmbeddings, type FakeEmbeddings } from '../fakes/fake-embeddings.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { makePdf, PDF_TYPE } from '../helpers/documents.js';
import { uploadProcessed } from '../helpers/files.js';
import { startPgliteVector } from '../helpers/pglite.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('VECTOR_DB=pgvector (PGlite with the pgvector extension, over the wire)', () => {
  let pgv: Awaited<ReturnType<typeof startPgliteVector>>;
  let fake: FakeEmbeddings;
  let up: FakeOpenAI;
  let srv: TestServer;
  let alice: { token: string };
  let bob: { token: string };

  const query = async (token: string, names: string[], q: string, k = 3) =>
    (await srv.request('POST', '/api/v1/retrieval/query/collection', { token, body: { collection_names: names, query: q, k } })).json();

  beforeAll(async () => {
    pgv = await startPgliteVector();
    fake = await startFakeEmbeddings(256);
    up = await startFakeOpenAI();
    srv = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true',
      VECTOR_DB: 'pgvector',
      PGVECTOR_DB_URL: pgv.url,
      OPENAI_API_BASE_URL: up.url,
      RAG_EMBEDDING_ENGINE: 'openai',
      RAG_EMBEDDING_MODEL: 'text-embedding-3-small',
      RAG_OPENAI_API_BASE_URL: `${fake.url}/v1`,
      RAG_EMBEDDING_BATCH_SIZE: '8',
      ENABLE_RAG_HYBRID_SEARCH: 'true',
      CHUNK_SIZE: '80',
      CHUNK_OVERLAP: '0',
    });
    alice = await createUser(srv.ctx);
    bob = await createUser(srv.ctx);
    const perms = structuredClone(DEFAULT_USER_PERMISSIONS);
    perms.workspace.knowledge = true;
    await srv.ctx.settings.set({ USER_PERMISSIONS: perms });
  }, 60_000);
  afterAll(async () => {
    await srv.close();
    await fake.close();
    await up.close();
    await pgv.close();
  });

  it('indexes into document_chunk with an HNSW index and answers vector, hybrid and BM25 queries', async () => {
    const text = ['Copper conducts electricity very well.', 'Glaciers carve valleys over thousands of years.', 'Bees communicate by dancing in the hive.'].join('\n\n');
    const { id, final } = await uploadProcessed(srv, alice.token, 'science.txt', text);
    expect(final).toEqual({ status: 'completed' });

    const client = new pg.Client({ connectionString: pgv.url });
    await client.connect();
    const idx = await client.query(`select indexname from pg_indexes where tablename = 'document_chunk'`);
    const rows = await client.query(`select count(*)::int as n, min(vector_dims(vector)) as d from document_chunk where collection_name = $1`, [`file-${id}`]);
    await client.end();
    expect(idx.rows.map((r) => r.indexname)).toEqual(expect.arrayContaining(['document_chunk_hnsw_256', 'document_chunk_fts_idx']));
    expect(rows.rows[0]).toEqual({ n: 3, d: 256 });

    const hybrid = await query(alice.token, [`file-${id}`], 'how do bees communicate', 1);
    expect(hybrid.documents[0][0]).toContain('Bees');
    const vecOnly = await (await srv.request('POST', '/api/v1/retrieval/query/doc', { token: alice.token, body: { collection_name: `file-${id}`, query: 'glaciers valleys', k: 1, hybrid: false } })).json();
    expect(vecOnly.documents[0][0]).toContain('Glaciers');
    expect((await srv.request('POST', '/api/v1/retrieval/query/doc', { token: bob.token, body: { collection_name: `file-${id}`, query: 'bees' } })).status).toBe(404);
  });

  it('knowledge: copy on add, removal, file deletion, reset — and chat RAG with sources', async () => {
    const kb = await (await srv.request('POST', '/api/v1/knowledge/create', { token: alice.token, body: { name: 'Atlas', description: '' } })).json();
    const pdf = makePdf([['Mount Kilimanjaro is the highest mountain in Africa.'], ['Lake Baikal is the deepest lake on Earth.']]);
    const a = await uploadProcessed(srv, alice.token, 'atlas.pdf', pdf, PDF_TYPE);
    const b = await uploadProcessed(srv, alice.token, 'rivers.txt', 'The Nile flows north into the Mediterranean Sea.');
    await srv.request('POST', `/api/v1/knowledge/${kb.id}/files/batch/add`, { token: alice.token, body: [{ file_id: a.id }, { file_id: b.id }] });
    expect((await query(alice.token, [kb.id], 'deepest lake', 1)).documents[0][0]).toContain('Baikal');

    const chat = await (await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Which lake is the deepest?' }], files: [{ type: 'collection', id: kb.id, name: 'Atlas' }] },
    })).json();
    expect(chat.sources[0].document.join(' ')).toContain('Baikal');
    const sent = up.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!.body!.messages as { content: string }[];
    expect(sent.at(-1)!.content).toContain('Lake Baikal');

    await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/remove?delete_file=false`, { token: alice.token, body: { file_id: b.id } });
    expect((await query(alice.token, [kb.id], 'Nile Mediterranean', 5)).documents[0].join(' ')).not.toContain('Nile');

    await srv.request('DELETE', `/api/v1/files/${a.id}`, { token: alice.token });
    expect((await query(alice.token, [kb.id], 'Kilimanjaro', 5)).documents[0]).toEqual([]);

    await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/add`, { token: alice.token, body: { file_id: b.id } });
    await srv.request('POST', `/api/v1/knowledge/${kb.id}/reset`, { token: alice.token });
    expect((await query(alice.token, [kb.id], 'Nile', 5)).documents[0]).toEqual([]);
  });

  it('full-context mode reads whole collections in document order', async () => {
    const admin = await createUser(srv.ctx, { role: 'admin' });
    await srv.request('POST', '/api/v1/retrieval/config/update', { token: admin.token, body: { RAG_FULL_CONTEXT: true } });
    const kb = await (await srv.request('POST', '/api/v1/knowledge/create', { token: alice.token, body: { name: 'Full', description: '' } })).json();
    const f = await uploadProcessed(srv, alice.token, 'story.txt', 'First the hero left home.\n\nThen the hero crossed the sea.\n\nFinally the hero came back.');
    await srv.request('POST', `/api/v1/knowledge/${kb.id}/file/add`, { token: alice.token, body: { file_id: f.id } });
    const chat = await (await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Tell the story' }], files: [{ type: 'collection', id: kb.id, name: 'Full' }] },
    })).json();
    expect(chat.sources[0].document.join(' ')).toMatch(/left home[\s\S]*crossed the sea[\s\S]*came back/);
    await srv.request('POST', '/api/v1/retrieval/config/update', { token: admin.token, body: { RAG_FULL_CONTEXT: false } });
  });
});

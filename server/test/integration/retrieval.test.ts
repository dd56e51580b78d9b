import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { startFakeEmbeddings, type FakeEmbeddings } from '../fakes/fake-embeddings.js';
import { uploadProcessed } from '../helpers/files.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { vectorEnv } from '../helpers/vector-env.js';

const FACTS = [
  'Zebras are native to Africa and live in herds on the savanna.',
  'The Eiffel Tower in Paris was completed in 1889 for the World Fair.',
  'Photosynthesis converts sunlight, water and carbon dioxide into glucose.',
];

describe('retrieval with no embedding model: BM25 full-text, zero set-up', () => {
  let srv: TestServer;
  let vec: Awaited<ReturnType<typeof vectorEnv>>;
  let alice: { token: string };
  let bob: { token: string };
  let admin: { token: string };
  let fileIds: string[] = [];

  beforeAll(async () => {
    vec = await vectorEnv();
    srv = await startTestServer(vec.env);
    admin = await createUser(srv.ctx, { role: 'admin' });
    alice = await createUser(srv.ctx);
    bob = await createUser(srv.ctx);
    fileIds = [];
    for (const [i, fact] of FACTS.entries()) fileIds.push((await uploadProcessed(srv, alice.token, `fact${i}.txt`, fact)).id);
  });
  afterAll(async () => {
    await srv.close();
    await vec?.close();
  });

  it('query/doc finds the passage in one file; query/collection across several', async () => {
    const one = await srv.request('POST', '/api/v1/retrieval/query/doc', { token: alice.token, body: { collection_name: `file-${fileIds[1]}`, query: 'When was the Eiffel Tower completed?' } });
    expect(one.status).toBe(200);
    const r = await one.json();
    expect(r.documents[0][0]).toContain('1889');
    expect(r.metadatas[0][0]).toMatchObject({ file_id: fileIds[1], name: 'fact1.txt', source: 'fact1.txt', start_index: 0 });
    expect(r.distances[0][0]).toBeGreaterThan(0);

    const many = await (await srv.request('POST', '/api/v1/retrieval/query/collection', { token: alice.token, body: { collection_names: fileIds.map((id) => `file-${id}`), query: 'zebras herds', k: 2 } })).json();
    expect(many.documents[0][0]).toContain('Zebras');
    expect(many.documents[0].length).toBeLessThanOrEqual(2);
  });

  it("another user cannot search someone's file; bad input is a 4xx", async () => {
    const r = await srv.request('POST', '/api/v1/retrieval/query/doc', { token: bob.token, body: { collection_name: `file-${fileIds[0]}`, query: 'zebras' } });
    expect(r.status).toBe(404);
    expect((await srv.request('POST', '/api/v1/retrieval/query/doc', { token: alice.token, body: { collection_name: 'x' } })).status).toBe(422);
    expect((await srv.request('POST', '/api/v1/retrieval/query/collection', { token: alice.token, body: { collection_names: [], query: 'a' } })).status).toBe(422);
    expect((await srv.request('POST', '/api/v1/retrieval/query/doc', { token: admin.token, body: { collection_name: `file-${fileIds[0]}`, query: 'zebras' } })).status).toBe(200);
  });

  it('process/text indexes a text into its own collection, readable by its creator only', async () => {
    const res = await srv.request('POST', '/api/v1/retrieval/process/text', { token: alice.token, body: { name: 'memo', content: 'The meeting moved to Thursday at noon.', collection_name: 'memo-1' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: true, collection_name: 'memo-1', content: 'The meeting moved to Thursday at noon.' });
    const q = await (await srv.request('POST', '/api/v1/retrieval/query/doc', { token: alice.token, body: { collection_name: 'memo-1', query: 'meeting Thursday' } })).json();
    expect(q.documents[0][0]).toContain('Thursday');
    expect((await srv.request('POST', '/api/v1/retrieval/query/doc', { token: bob.token, body: { collection_name: 'memo-1', query: 'meeting' } })).status).toBe(404);
    const taken = await srv.request('POST', '/api/v1/retrieval/process/text', { token: bob.token, body: { name: 'x', content: 'overwrite', collection_name: 'memo-1' } });
    expect(taken.status).toBe(400);
    const empty = await srv.request('POST', '/api/v1/retrieval/process/text', { token: alice.token, body: { name: 'x', content: '  ' } });
    expect(empty.status).toBe(400);
  });

  it('process/file re-indexes a file with given content', async () => {
    const res = await srv.request('POST', '/api/v1/retrieval/process/file', { token: alice.token, body: { file_id: fileIds[2], content: 'Mitochondria are the powerhouse of the cell.' } });
    expect(res.status).toBe(200);
    expect((await res.json()).collection_name).toBe(`file-${fileIds[2]}`);
    const q = await (await srv.request('POST', '/api/v1/retrieval/query/doc', { token: alice.token, body: { collection_name: `file-${fileIds[2]}`, query: 'mitochondria' } })).json();
    expect(q.documents[0][0]).toContain('powerhouse');
    expect((await srv.request('POST', '/api/v1/retrieval/process/file', { token: bob.token, body: { file_id: fileIds[2] } })).status).toBe(404);
    expect((await srv.request('POST', '/api/v1/retrieval/process/file', { token: alice.token, body: { file_id: 'nope' } })).status).toBe(404);
  });

  it('config: admin reads and updates; users are refused', async () => {
    expect((await srv.request('GET', '/api/v1/retrieval/config', { token: alice.token })).status).toBe(401);
    const cfg = await (await srv.request('GET', '/api/v1/retrieval/config', { token: admin.token })).json();
    expect(cfg).toMatchObject({ status: true, TOP_K: 3, CHUNK_SIZE: 1000, CHUNK_OVERLAP: 100, ENABLE_RAG_HYBRID_SEARCH: false, RAG_FULL_CONTEXT: false, ALLOWED_FILE_EXTENSIONS: [] });
    const up = await (await srv.request('POST', '/api/v1/retrieval/config/update', { token: admin.token, body: { TOP_K: 5, CHUNK_SIZE: 500, ALLOWED_FILE_EXTENSIONS: ['.PDF', 'txt'] } })).json();
    expect(up).toMatchObject({ TOP_K: 5, CHUNK_SIZE: 500, ALLOWED_FILE_EXTENSIONS: ['pdf', 'txt'] });
    expect((await srv.request('POST', '/api/v1/retrieval/config/update', { token: admin.token, body: { TOP_K: 'lots' } })).status).toBe(422);
    const status = await (await srv.request('GET', '/api/v1/retrieval/', { token: alice.token })).json();
    expect(status).toMatchObject({ status: true, chunk_size: 500, embedding_engine: '' });
    const emb = await (await srv.request('GET', '/api/v1/retrieval/embedding', { token: admin.token })).json();
    expect(emb).toMatchObject({ status: true, embedding_engine: '', embedding_model: '' });
  });
});

describe('retrieval with an embedding server (Ollama and OpenAI wire formats)', () => {
  let fake: FakeEmbeddings;
  let srv: TestServer;
  let vec: Awaited<ReturnType<typeof vectorEnv>>;
  let user: { token: string };
  let admin: { token: string };

  beforeAll(async () => {
    fake = await startFakeEmbeddings(512);
    vec = await vectorEnv();
    srv = await startTestServer({
      ...vec.env,
      RAG_EMBEDDING_ENGINE: 'ollama',
      RAG_EMBEDDING_MODEL: 'nomic-embed-text',
      RAG_OLLAMA_BASE_URL: fake.url,
      RAG_EMBEDDING_BATCH_SIZE: '10',
      CHUNK_SIZE: '60',
      CHUNK_OVERLAP: '0',
    });
    user = await createUser(srv.ctx);
    admin = await createUser(srv.ctx, { role: 'admin' });
  });
  afterAll(async () => {
    await srv.close();
    await vec?.close();
    await fake.close();
  });

  it('embeds chunks in ceil(n / batch) requests and finds by vector', async () => {
    const sentences = Array.from({ length: 95 }, (_, i) => `Sentence number ${i} talks about topic${i}.`);
    fake.batches.length = 0;
    const { id, final } = await uploadProcessed(srv, user.token, 'many.txt', sentences.join('\n'));
    expect(final).toEqual({ status: 'completed' });
    const chunks = fake.batches.reduce((a, b) => a + b, 0);
    expect(chunks).toBeGreaterThan(40);
    expect(fake.batches.length).toBe(Math.ceil(chunks / 10));
    expect(Math.max(...fake.batches)).toBe(10);

    const q = await (await srv.request('POST', '/api/v1/retrieval/query/doc', { token: user.token, body: { collection_name: `file-${id}`, query: 'topic42', k: 1 } })).json();
    expect(q.documents[0][0]).toContain('topic42');
    expect(q.distances[0][0]).toBeGreaterThan(0.3);
  });

  it('retries transient upstream errors; a dead or garbage upstream fails the file with the reason', async () => {
    fake.failNext = 2;
    expect((await uploadProcessed(srv, user.token, 'retry.txt', 'resilient text about retries')).final).toEqual({ status: 'completed' });

    fake.down = true;
    const down = await uploadProcessed(srv, user.token, 'down.txt', 'nobody will embed this');
    fake.down = false;
    expect(down.final.status).toBe('failed');
    expect(down.final.error).toMatch(/Embedding server answered 500/);

    fake.garbage = '{"embeddings": "nope"}';
    const junk = await uploadProcessed(srv, user.token, 'junk.txt', 'garbage in');
    fake.garbage = null;
    expect(junk.final.status).toBe('failed');
    expect(junk.final.error).toMatch(/vectors/);
    // The file is kept.
    expect((await srv.request('GET', `/api/v1/files/${junk.id}`, { token: user.token })).status).toBe(200);
  });

  it('hybrid search blends vector and BM25; the OpenAI format works the same', async () => {
    await srv.request('POST', '/api/v1/retrieval/config/update', { token: admin.token, body: { ENABLE_RAG_HYBRID_SEARCH: true } });
    const { id } = await uploadProcessed(srv, user.token, 'hybrid.txt', 'Alpha bravo charlie.\n\nThe password for the vault is ORCHID.\n\nDelta echo foxtrot.');
    const q = await (await srv.request('POST', '/api/v1/retrieval/query/doc', { token: user.token, body: { collection_name: `file-${id}`, query: 'vault password', k: 1 } })).json();
    expect(q.documents[0][0]).toContain('ORCHID');

    const res = await srv.request('POST', '/api/v1/retrieval/embedding/update', {
      token: admin.token,
      body: { embedding_engine: 'openai', embedding_model: 'text-embedding-3-small', embedding_batch_size: 4, openai_config: { url: `${fake.url}/v1`, key: 'sk-test' } },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ embedding_engine: 'openai', embedding_batch_size: 4, openai_config: { url: `${fake.url}/v1` } });
    fake.batches.length = 0;
    const o = await uploadProcessed(srv, user.token, 'openai.txt', 'OpenAI formatted embeddings for penguins in Antarctica.');
    expect(o.final).toEqual({ status: 'completed' });
    expect(fake.batches.length).toBeGreaterThan(0);
    const q2 = await (await srv.request('POST', '/api/v1/retrieval/query/doc', { token: user.token, body: { collection_name: `file-${o.id}`, query: 'penguins' } })).json();
    expect(q2.documents[0][0]).toContain('penguins');
  });

  it('an external reranker (hybrid mode) orders the passages; a broken one falls back to blended scores', async () => {
    const http = await import('node:http');
    let calls = 0;
    let broken = false;
    const reranker = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        calls++;
        if (broken) {
          res.writeHead(500).end('down');
          return;
        }
        const { documents } = JSON.parse(body) as { documents: string[] };
        // Prefers whatever mentions "zebra", the opposite of what the query text suggests.
        const results = documents.map((d, index) => ({ index, relevance_score: d.includes('zebra') ? 0.99 : 0.1 }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
      });
    });
    await new Promise<void>((r) => reranker.listen(0, '127.0.0.1', r));
    const port = (reranker.address() as { port: number }).port;
    try {
      await srv.request('POST', '/api/v1/retrieval/config/update', { token: admin.token, body: { ENABLE_RAG_HYBRID_SEARCH: true, RAG_EXTERNAL_RERANKER_URL: `http://127.0.0.1:${port}/rerank` } });
      const { id } = await uploadProcessed(srv, user.token, 'rerank.txt', 'Apples are red fruit.\n\nA zebra has stripes.\n\nApples grow on apple trees.');
      const q = await (await srv.request('POST', '/api/v1/retrieval/query/doc', { token: user.token, body: { collection_name: `file-${id}`, query: 'apples', k: 1 } })).json();
      expect(calls).toBeGreaterThan(0);
      expect(q.documents[0][0]).toContain('zebra');
      expect(q.distances[0][0]).toBeCloseTo(0.99);
      broken = true;
      const fallback = await (await srv.request('POST', '/api/v1/retrieval/query/doc', { token: user.token, body: { collection_name: `file-${id}`, query: 'apples', k: 1 } })).json();
      expect(fallback.documents[0][0]).toContain('pple');
    } finally {
      await srv.request('POST', '/api/v1/retrieval/config/update', { token: admin.token, body: { RAG_EXTERNAL_RERANKER_URL: '' } });
      await new Promise((r) => reranker.close(r));
    }
  });
});

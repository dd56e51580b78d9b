import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RagRuntime } from '../../src/rag/runtime.js';
import { createUser } from '../factories/users.js';
import { startFakeEmbeddings, type FakeEmbeddings } from '../fakes/fake-embeddings.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { DOCX_TYPE, makeDocx, makePdf, PDF_TYPE } from '../helpers/documents.js';
import { streamStatus, upload } from '../helpers/files.js';
import { startPgliteVector } from '../helpers/pglite.js';
import { createPostgresDatabase, scaleServices } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Json = Record<string, any>;
const services = scaleServices('rag-scale.test.ts');

/**
 * The "Done when" on PostgreSQL + pgvector with two instances: every request of the test goes
 * to the two base URLs alternately, as a round-robin load balancer would send them, with embeddings
 * (vector search) and a chat upstream, so what is uploaded through one instance is processed by the
 * job queue, found and cited through the other.
 */
describe.skipIf(!services.available)('documents on two instances: PostgreSQL, Redis job queue, pgvector, round robin', () => {
  let a: TestServer;
  let b: TestServer;
  let db: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let pgv: Awaited<ReturnType<typeof startPgliteVector>>;
  let fake: FakeEmbeddings;
  let up: FakeOpenAI;
  let dataDir: string;
  let admin: { token: string };
  let turn = 0;
  const next = () => (turn++ % 2 === 0 ? a : b);

  beforeAll(async () => {
    db = await createPostgresDatabase();
    pgv = await startPgliteVector();
    fake = await startFakeEmbeddings(64);
    up = await startFakeOpenAI();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-rag-scale-'));
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: services.redis,
      REDIS_KEY_PREFIX: `rag-scale-${randomUUID().slice(0, 8)}`,
      DATA_DIR: dataDir,
      VECTOR_DB: 'pgvector',
      PGVECTOR_DB_URL: pgv.url,
      OPENAI_API_BASE_URL: up.url,
      BYPASS_MODEL_ACCESS_CONTROL: 'true',
      RAG_EMBEDDING_ENGINE: 'openai',
      RAG_EMBEDDING_MODEL: 'text-embedding-3-small',
      RAG_OPENAI_API_BASE_URL: `${fake.url}/v1`,
      CHUNK_SIZE: '120',
      CHUNK_OVERLAP: '0',
    };
    a = await startTestServer(env);
    b = await startTestServer(env);
    admin = await createUser(a.ctx, { role: 'admin' });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await pgv?.close();
    await fake?.close();
    await up?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a PDF uploaded through A is processed by the queue on B, found and cited through B; a DOCX through B, cited through A', async () => {
    // A takes the upload but runs no jobs, so the work can only be done by B's queue worker.
    await RagRuntime.for(a.ctx).queue.pause();
    const pdf = makePdf([['The harbour is quiet in winter.'], ['The lighthouse keeper is called Ingrid Solberg.']]);
    const { res, body } = await upload(a, admin.token, 'harbour.pdf', pdf, PDF_TYPE);
    expect(res.status).toBe(200);
    expect((await streamStatus(b, admin.token, body.id)).at(-1)).toEqual({ status: 'completed' });
    const pdfId = body.id as string;

    const q = await (await b.request('POST', '/api/v1/retrieval/query/doc', { token: admin.token, body: { collection_name: `file-${pdfId}`, query: 'lighthouse keeper Ingrid', k: 2 } })).json();
    expect(q.documents[0].join(' ')).toContain('Ingrid Solberg');

    const chat = await b.request('POST', '/api/chat/completions', {
      token: admin.token,
      body: { model: 'gpt-4o-mini', stream: false, messages: [{ role: 'user', content: 'Who is the lighthouse keeper?' }], files: [{ type: 'file', id: pdfId, name: 'harbour.pdf' }] },
    });
    expect(chat.status).toBe(200);
    const reply = await chat.json();
    expect(reply.sources[0].source).toMatchObject({ type: 'file', id: pdfId, name: 'harbour.pdf' });
    expect(reply.sources[0].document.join(' ')).toContain('Ingrid Solberg');
    expect(reply.sources[0].metadata[0]).toMatchObject({ file_id: pdfId, name: 'harbour.pdf' });

    // The other way round: uploaded through B, watched and cited through A (A's queue still paused).
    const docx = await makeDocx(['Minutes: the board approved 4.2 million crowns for the new pier.']);
    const d = await upload(b, admin.token, 'minutes.docx', docx, DOCX_TYPE);
    expect((await streamStatus(a, admin.token, d.body.id)).at(-1)).toEqual({ status: 'completed' });
    const streamed = await a.request('POST', '/api/chat/completions', {
      token: admin.token,
      body: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'What did the board approve for the pier?' }], files: [{ type: 'file', id: d.body.id, name: 'minutes.docx' }] },
    });
    const first = JSON.parse((await streamed.text()).split('\n\n')[0]!.replace(/^data: /, '')) as Json;
    expect(first.sources[0].source.id).toBe(d.body.id);
    expect(first.sources[0].document.join(' ')).toContain('4.2 million crowns');
  });

  it('a knowledge base built through both instances (round robin) answers and cites through either', async () => {
    // A's queue is still paused: every file here is processed by B, whichever instance took it.
    const kb = await (await next().request('POST', '/api/v1/knowledge/create', { token: admin.token, body: { name: 'Fleet', description: '' } })).json();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const srv = next();
      const { body } = await upload(srv, admin.token, `ship-${i}.txt`, `Ship ${i} log. The ship number ${i} carries cargo code C${i}X${i * 7}.`);
      expect((await streamStatus(next(), admin.token, body.id)).at(-1)).toEqual({ status: 'completed' });
      const added = await next().request('POST', `/api/v1/knowledge/${kb.id}/file/add`, { token: admin.token, body: { file_id: body.id } });
      expect(added.status).toBe(200);
      ids.push(body.id);
    }
    const listed = await (await next().request('GET', `/api/v1/knowledge/${kb.id}`, { token: admin.token })).json();
    expect(listed.files.map((f: Json) => f.id).sort()).toEqual([...ids].sort());

    for (const srv of [a, b]) {
      const q = await (await srv.request('POST', '/api/v1/retrieval/query/collection', { token: admin.token, body: { collection_names: [kb.id], query: 'cargo code C4X28', k: 3, hybrid: true } })).json();
      expect(q.documents[0].join(' ')).toContain('C4X28');
      const chat = await srv.request('POST', '/api/chat/completions', {
        token: admin.token,
        body: { model: 'gpt-4o-mini', stream: false, messages: [{ role: 'user', content: 'Which ship carries cargo code C4X28?' }], files: [{ type: 'collection', id: kb.id, name: 'Fleet' }] },
      });
      const reply = await chat.json();
      const cited = (reply.sources as Json[]).flatMap((s) => s.metadata as Json[]);
      expect(cited.some((m) => m.file_id === ids[4])).toBe(true);
    }
  });
});

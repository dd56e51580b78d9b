import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RagRuntime } from '../../src/rag/runtime.js';
import { createUser } from '../factories/users.js';
import { makeDocx, DOCX_TYPE } from '../helpers/documents.js';
import { streamStatus, upload } from '../helpers/files.js';
import { startPgliteVector } from '../helpers/pglite.js';
import { createPostgresDatabase, scaleServices } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const services = scaleServices('jobs-redis.test.ts');

describe.skipIf(!services.available)('two instances: BullMQ jobs on Redis, PostgreSQL, pgvector, one uploads folder', () => {
  let a: TestServer;
  let b: TestServer;
  let db: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let dataDir: string;
  let pgv: Awaited<ReturnType<typeof startPgliteVector>>;

  beforeAll(async () => {
    db = await createPostgresDatabase();
    // Two instances sharing PostgreSQL, Redis and the uploads folder, as behind one load balancer.
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-jobs-'));
    pgv = await startPgliteVector();
    const env = { DATABASE_URL: db.url, REDIS_URL: services.redis, REDIS_KEY_PREFIX: `jobs-test-${randomUUID().slice(0, 8)}`, DATA_DIR: dataDir, VECTOR_DB: 'pgvector', PGVECTOR_DB_URL: pgv.url };
    a = await startTestServer(env);
    b = await startTestServer(env);
  }, 60_000);
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
    await pgv.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a job accepted by an instance that stops working is done by the other', async () => {
    const { token } = await createUser(a.ctx);
    // Instance A takes the upload but no longer runs jobs (as if it were going down).
    await RagRuntime.for(a.ctx).queue.pause();
    const docx = await makeDocx(['Queued on A, processed on B: the answer is TANGERINE.']);
    const { res, body } = await upload(a, token, 'queued.docx', docx, DOCX_TYPE);
    expect(res.status).toBe(200);
    // Status read through B (shared database) until B's worker has processed it.
    const events = await streamStatus(b, token, body.id);
    expect(events.at(-1)).toEqual({ status: 'completed' });
    const text = await (await a.request('GET', `/api/v1/files/${body.id}/data/content`, { token })).json();
    expect(text.content).toContain('TANGERINE');
    // Indexed by B into the shared pgvector store; found through A.
    const q = await (await a.request('POST', '/api/v1/retrieval/query/doc', { token, body: { collection_name: `file-${body.id}`, query: 'what is the answer' } })).json();
    expect(q.documents[0][0]).toContain('TANGERINE');
  });
});

import { startPgliteVector } from './pglite.js';

/**
 * The vector store a documents test runs against: the embedded one by default, pgvector (PGlite with
 * the real extension, over the wire) when TEST_VECTOR_DB=pgvector, so every files/knowledge/retrieval/
 * chat test also runs on the pgvector adapter.
 */
export async function vectorEnv(): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  if (process.env.TEST_VECTOR_DB !== 'pgvector') return { env: {}, close: async () => {} };
  const pgv = await startPgliteVector();
  return { env: { VECTOR_DB: 'pgvector', PGVECTOR_DB_URL: pgv.url }, close: () => pgv.close() };
}

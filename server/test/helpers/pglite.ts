import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { freePort } from './instances.js';

/**
 * A PostgreSQL with the real pgvector extension, in process: PGlite (Postgres compiled to WASM) served
 * over the PostgreSQL wire protocol on 127.0.0.1, so the server talks to it through the same `pg`
 * client as to a production database. (Debian's PostgreSQL 15 here has no pgvector package.)
 */
export async function startPgliteVector(): Promise<{ url: string; close(): Promise<void> }> {
  const db = await PGlite.create({ extensions: { vector } });
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 16 });
  await server.start();
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}

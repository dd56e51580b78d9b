import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The server suite runs once on SQLite and once on PostgreSQL (TEST_DATABASE_URL set by .ci/run or
 * by hand). On PostgreSQL every test server gets a database of its own, dropped when it closes, so
 * tests never see each other's rows.
 */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? '';

export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `owui_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * Multi-instance tests need PostgreSQL and Redis. They run in the PostgreSQL pass of `npm test`; the
 * SQLite pass (OWUI_TEST_DIALECT=sqlite) skips them. Outside that pass a missing service is an error
 * in CI and a printed skip elsewhere.
 */
export function scaleServices(file: string): { db: string; redis: string; available: boolean } {
  const db = process.env.TEST_DATABASE_URL ?? '';
  const redis = process.env.TEST_REDIS_URL ?? '';
  const available = Boolean(db && redis);
  if (!available && process.env.OWUI_TEST_DIALECT !== 'sqlite') {
    const hint = 'set TEST_DATABASE_URL and TEST_REDIS_URL (eval "$(bash scripts/services.sh start)")';
    if (process.env.CI === 'true') throw new Error(`${file} needs PostgreSQL and Redis in CI: ${hint}`);
    console.warn(`${file} skipped: ${hint}`);
  }
  return { db, redis, available };
}

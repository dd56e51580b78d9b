import type pg from 'pg';
import type { Config } from '../../config/env.js';
import { openDatabase } from '../database.js';
import { migrateToLatest } from '../migrate.js';
import { carry } from './carry.js';
import { AdoptRefusal, classify, lockedRefusal } from './inspect.js';
import type { AdoptionReport } from './report.js';
import { PgSource, quote } from './source.js';

const BUILDING = 'owui_adopting';

/** `postgresql://host:port/db` without credentials, for messages. */
function describe(url: string, schema: string): string {
  try {
    const u = new URL(url);
    return `PostgreSQL database ${u.pathname.slice(1)} on ${u.host} (schema ${schema})`;
  } catch {
    return `the PostgreSQL database (schema ${schema})`;
  }
}

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/**
 * DATABASE_URL on an Open WebUI PostgreSQL database: the same mappings as for SQLite, read from the
 * original's schema in one REPEATABLE READ snapshot and written into a new schema with our tables.
 * The swap is one transaction that renames the original schema to `openwebui_backup_<UTC stamp>`
 * (the backup, kept in the same database) and ours into its place. Refused while any other session
 * is connected to the database (a running Open WebUI).
 */
export async function adoptPostgresOnStart(config: Config): Promise<AdoptionReport | null> {
  const { default: pgLib } = await import('pg');
  pgLib.types.setTypeParser(20, (v: string) => Number(v));
  // json/jsonb arrive as their text, as from SQLite: documents are carried byte for byte, and a JSON
  // string value stays distinguishable from text.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === 114 || oid === 3802 ? (v: string) => v : pgLib.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
  };
  const client: pg.Client = new pgLib.Client({ connectionString: config.database.url, connectionTimeoutMillis: 5000, types });
  await client.connect();
  client.on('error', () => {});
  let building = false;
  try {
    const schema = (await client.query<{ s: string }>('select current_schema() as s')).rows[0]!.s;
    const label = describe(config.database.url, schema);
    const tables = new Set(
      (await client.query<{ t: string }>(`select table_name as t from information_schema.tables where table_schema = $1`, [schema])).rows.map((r) => r.t),
    );
    const inspection = await classify(
      label,
      tables,
      async () => (await client.query<{ v: string }>(`select version_num as v from ${quote(schema)}.alembic_version`)).rows.map((r) => r.v),
      async () => (await client.query<{ n: string }>(`select name as n from ${quote(schema)}.migratehistory order by id desc limit 1`)).rows[0]?.n ?? 'none',
    );
    if (inspection.kind !== 'openwebui') return null;
    const others = await client.query<{ n: string }>(`select count(*)::text as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
    if (Number(others.rows[0]!.n) > 0) throw lockedRefusal(label);

    await client.query(`drop schema if exists ${BUILDING} cascade`); // left by an interrupted attempt
    await client.query(`create schema ${BUILDING}`);
    building = true;
    const target = await openDatabase({ ...config.database, url: withSearchPath(config.database.url, BUILDING) });
    let report: AdoptionReport;
    try {
      await migrateToLatest(target);
      await client.query('begin isolation level repeatable read read only');
      try {
        const result = await carry(new PgSource(client, schema), target, inspection.range);
        report = { source: { file: label, release: inspection.release, revision: inspection.revision, range: inspection.range.id }, backup: null, result, notes: [] };
      } finally {
        await client.query('commit');
      }
    } finally {
      await target.close();
    }
    const backup = `openwebui_backup_${new Date().toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '_')}`;
    try {
      await client.query('begin');
      await client.query(`alter schema ${quote(schema)} rename to ${quote(backup)}`);
      await client.query(`alter schema ${BUILDING} rename to ${quote(schema)}`);
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw new AdoptRefusal(`${label}: cannot swap in the adopted schema (${(err as Error).message}); the user in DATABASE_URL must own schema ${schema}.`);
    }
    building = false;
    report.backup = `schema ${backup} in the same database (the original, untouched)`;
    return report;
  } catch (err) {
    if (building) await client.query(`drop schema if exists ${BUILDING} cascade`).catch(() => {});
    throw err;
  } finally {
    await client.end().catch(() => {});
  }
}

import fs from 'node:fs';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { schemaFile, type Fixture } from './openwebui-fixture.js';

/**
 * The same Open WebUI database on PostgreSQL: the reference DDL (SQLite's) translated to the types
 * SQLAlchemy/peewee create on PostgreSQL (booleans, json, bigint epochs, timestamps), then every row
 * of a built SQLite fixture copied over. Approximate for column types, exact for the data.
 */
const TABLES = ['user', 'auth', 'chat', 'tag', 'config', 'alembic_version', 'migratehistory', 'api_key', 'shared_chat', 'model', 'prompt', 'memory', 'folder', 'feedback',
  'group', 'group_member', 'file', 'knowledge', 'knowledge_file', 'access_grant', 'prompt_history'];
const BOOLEAN_COLUMNS = new Set(['archived', 'pinned', 'active', 'is_active', 'is_global']);

function translate(statement: string, table: string): string {
  // Foreign keys left out: SQLite's table order is not creation-safe for PostgreSQL, and the rows need none.
  let s = statement
    .replace(/,\s*(?:CONSTRAINT \w+\s+)?FOREIGN KEY\s*\([^)]*\)\s*REFERENCES\s+"?\w+"?\s*\([^)]*\)(\s+ON DELETE \w+( \w+)?)?/g, '')
    .replace(/BOOLEAN DEFAULT \(?'?1'?\)?/g, 'BOOLEAN DEFAULT true')
    .replace(/BOOLEAN DEFAULT \(?'?0'?\)?/g, 'BOOLEAN DEFAULT false')
    .replace(/NOT NULL NOT NULL/g, 'NOT NULL');
  for (const c of BOOLEAN_COLUMNS) s = s.replace(new RegExp(`("?${c}"?) INTEGER`, 'g'), '$1 BOOLEAN');
  // Epoch columns declared DATETIME by peewee hold integers; config's and migratehistory's are real timestamps.
  s = table === 'config' || table === 'migratehistory' ? s.replace(/DATETIME/g, 'TIMESTAMP') : s.replace(/DATETIME/g, 'BIGINT');
  return s.replace(/"created_at" INTEGER|created_at INTEGER|"updated_at" INTEGER|updated_at INTEGER|"last_active_at" INTEGER/g, (m) => m.replace('INTEGER', 'BIGINT'));
}

export async function copyFixtureToPostgres(fx: Fixture, schema: string, url: string): Promise<void> {
  const ddl = fs.readFileSync(schemaFile(schema), 'utf8');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const stmt of ddl.split(/;\s*\n/)) {
      const m = /^(?:\s*--.*\n)*\s*CREATE TABLE "?(\w+)"?/i.exec(stmt);
      if (!m || !TABLES.includes(m[1]!)) continue;
      await client.query(translate(stmt.replace(/^(?:\s*--.*\n)*\s*/, ''), m[1]!));
    }
    const src = new SQLite(fx.file, { readonly: true });
    try {
      for (const table of TABLES) {
        const exists = (await client.query(`select 1 from information_schema.tables where table_schema = 'public' and table_name = $1`, [table])).rowCount;
        if (!exists) continue;
        const types = new Map(
          (await client.query<{ c: string; t: string }>(`select column_name as c, data_type as t from information_schema.columns where table_schema = 'public' and table_name = $1`, [table])).rows.map((r) => [r.c, r.t]),
        );
        for (const row of src.prepare(`select * from "${table}"`).all() as Record<string, unknown>[]) {
          const keys = Object.keys(row).filter((k) => types.has(k));
          const values = keys.map((k) => (types.get(k) === 'boolean' && row[k] !== null ? Boolean(row[k]) : row[k]));
          await client.query(`insert into "${table}" (${keys.map((k) => `"${k}"`).join(',')}) values (${keys.map((_, i) => `$${i + 1}`).join(',')})`, values);
        }
      }
    } finally {
      src.close();
    }
  } finally {
    await client.end();
  }
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { carry } from '../../src/db/adopt/carry.js';
import { SqliteSource } from '../../src/db/adopt/source.js';
import { feedback, folder, memory } from '../../src/db/adopt/tables/personal.js';
import { buildFixture, SCHEMAS_DIR } from '../helpers/openwebui-fixture.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/test-database.js';

/**
 * The seam for features other branches add (models, prompts, groups, files, knowledge, folders,
 * feedback, memories): a one-line `verbatim` mapping carries a table once our schema has it, and the
 * same table is reported (with its row count) while it does not.
 */
const dirs: string[] = [];
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const d of drops) await d();
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

describe.skipIf(!SCHEMAS_DIR)('carrying another table', () => {
  it('is reported while our schema lacks the table, and carried once it has it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-seam-'));
    dirs.push(root);
    const fx = await buildFixture({ schema: '0.6.32', dir: path.join(root, 'old') });
    const pg = POSTGRES_URL ? await createPostgresDatabase() : null;
    if (pg) drops.push(() => pg.drop());
    const target = await openDatabase(loadConfig({ DATA_DIR: path.join(root, 'new'), ...(pg ? { DATABASE_URL: pg.url } : {}) }).database);
    const src = new SQLite(fx.file, { readonly: true });
    try {
      await migrateToLatest(target);
      // Our schema has these tables since the chat-app migration: take them away to stand for tables we lack.
      for (const t of ['memory', 'folder', 'feedback']) await sql`drop table ${sql.table(t)}`.execute(target.kysely);
      // The mappings every range from 0.5.3 has for these tables.
      const range = { id: 'test', mappings: [memory, folder, feedback], superseded: [] };

      const before = await carry(new SqliteSource(src), target, range);
      expect(before.notCarried).toContainEqual({ table: 'memory', rows: 3, reason: 'no table memory here yet' });
      expect(before.notCarried).toContainEqual({ table: 'folder', rows: 1, reason: 'no table folder here yet' });
      expect(before.notCarried).toContainEqual({ table: 'feedback', rows: 1, reason: 'no table feedback here yet' });

      // What the chat-app branch's migration will create (0.6.34's columns).
      await sql`create table memory (id varchar(255) primary key, user_id varchar(255) not null, content text not null, updated_at bigint not null, created_at bigint not null)`.execute(target.kysely);
      await sql`create table folder (id text not null, parent_id text, user_id text not null, name text not null, items json, meta json, is_expanded boolean not null, created_at bigint not null, updated_at bigint not null, data json, primary key (id, user_id))`.execute(target.kysely);
      await sql`create table feedback (id text primary key, user_id text, version bigint, type text, data json, meta json, snapshot json, created_at bigint not null, updated_at bigint not null)`.execute(target.kysely);
      const after = await carry(new SqliteSource(src), target, range);
      expect(after.notCarried.filter((t) => ['memory', 'folder', 'feedback'].includes(t.table))).toEqual([]);
      expect(after.carried.map((t) => [t.source, t.written.get(t.source), t.issues])).toEqual([['memory', 3, 0], ['folder', 1, 0], ['feedback', 1, 0]]);
      const rows = await sql<{ id: string; content: string }>`select id, content from memory order by id`.execute(target.kysely);
      expect(rows.rows.map((r) => r.id)).toEqual(['memory-id-0', 'memory-id-1', 'memory-id-2']);

      const again = await carry(new SqliteSource(src), target, range);
      expect(again.carried[0]!.conflicts.get('memory')).toBe(3);
    } finally {
      src.close();
      await target.close();
    }
  });
});

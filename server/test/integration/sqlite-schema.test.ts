import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrateToLatest, migrateWithKysely } from '../../src/db/migrate.js';
import { migrations } from '../../src/db/migrations/index.js';
import { SQLITE_SCHEMA } from '../../src/db/migrations/sqlite-schema.js';

// SQLite only (a new SQLite file is what the recorded schema is for); runs the same under either suite pass.
const SCHEMA_FILE = path.join(__dirname, '../../src/db/migrations/sqlite-schema.ts');

describe('new SQLite database from the recorded schema (db/fresh-sqlite.ts)', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function sqliteDb(): Promise<Db> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-schema-'));
    cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const db = await openDatabase(loadConfig({ DATA_DIR: dataDir }).database);
    cleanup.push(() => db.close());
    return db;
  }

  /** Everything that defines the database: schema objects in creation order and the migrator's rows. */
  async function dump(db: Db) {
    const schema = await sql<{ type: string; name: string; tbl_name: string; sql: string | null }>`
      select type, name, tbl_name, sql from sqlite_master order by rowid`.execute(db.kysely);
    const done = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db.kysely);
    const lock = await sql`select * from kysely_migration_lock`.execute(db.kysely);
    return { schema: schema.rows, migrations: done.rows.map((r) => r.name), lock: lock.rows };
  }

  it('the recording is that of the current migrations (refresh: UPDATE_SQLITE_SCHEMA=1 npx vitest run test/integration/sqlite-schema.test.ts)', async () => {
    const viaMigrator = await sqliteDb();
    await migrateWithKysely(viaMigrator);
    const rows = (await dump(viaMigrator)).schema;
    // Internal tables (sqlite_sequence) and automatic indexes (no sql) come with the statements.
    const statements = rows.filter((r) => r.sql && !r.name.startsWith('sqlite_')).map((r) => r.sql!);
    const current = { migrations: Object.keys(migrations), statements };
    if (process.env.UPDATE_SQLITE_SCHEMA === '1') {
      const text =
        '// Generated: UPDATE_SQLITE_SCHEMA=1 npx vitest run test/integration/sqlite-schema.test.ts (in server/).\n' +
        '// `sqlite_master` of a new database after every migration, in creation order (db/fresh-sqlite.ts).\n' +
        `export const SQLITE_SCHEMA: { migrations: string[]; statements: string[] } = ${JSON.stringify(current, null, 2)};\n`;
      fs.writeFileSync(SCHEMA_FILE, text);
      return;
    }
    expect(SQLITE_SCHEMA).toEqual(current);
  });

  it('a new file gets the same database as the Migrator makes, and the Migrator then has nothing to do', async () => {
    const viaMigrator = await sqliteDb();
    await migrateWithKysely(viaMigrator);
    const fresh = await sqliteDb();
    expect(await migrateToLatest(fresh)).toEqual(Object.keys(migrations));
    const a = await dump(viaMigrator);
    const b = await dump(fresh);
    expect(b).toEqual(a);
    expect(await migrateWithKysely(fresh)).toEqual([]);
    expect(await migrateToLatest(fresh)).toEqual([]);
    const ts = await sql<{ timestamp: string }>`select timestamp from kysely_migration`.execute(fresh.kysely);
    for (const r of ts.rows) expect(new Date(r.timestamp).toISOString()).toBe(r.timestamp);
  });

  it('a file that already holds tables without migration records is left to the Migrator', async () => {
    const db = await sqliteDb();
    await sql`create table unrelated (x integer)`.execute(db.kysely);
    expect(await migrateToLatest(db)).toEqual(Object.keys(migrations));
    const names = (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db.kysely)).rows.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['unrelated', 'user', 'chat', 'kysely_migration']));
  });
});

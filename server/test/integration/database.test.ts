import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrations } from '../../src/db/migrations/index.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/test-database.js';

// Runs on whichever dialect this suite run targets (SQLite, or PostgreSQL with TEST_DATABASE_URL).
describe(`migrations (${POSTGRES_URL ? 'postgres' : 'sqlite'})`, () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function freshDb() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-db-'));
    cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    let url: string | undefined;
    if (POSTGRES_URL) {
      const pg = await createPostgresDatabase();
      cleanup.push(() => pg.drop());
      url = pg.url;
    }
    const config = loadConfig({ DATA_DIR: dataDir, ...(url ? { DATABASE_URL: url } : {}) });
    const db = await openDatabase(config.database);
    cleanup.push(() => db.close());
    return { db, dataDir };
  }

  it('creates every table once and is idempotent', async () => {
    const { db, dataDir } = await freshDb();
    const applied = await migrateToLatest(db);
    expect(applied).toEqual(Object.keys(migrations));
    expect(await migrateToLatest(db)).toEqual([]);
    const tables = (await db.kysely.introspection.getTables()).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['user', 'auth', 'config', 'chat']));
    if (!POSTGRES_URL) {
      expect(fs.existsSync(path.join(dataDir, 'webui.db'))).toBe(true);
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.kysely);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
    }
  });

  it('stores booleans, big epoch seconds and unicode the same way on both dialects', async () => {
    const { db } = await freshDb();
    await migrateToLatest(db);
    const now = 4_102_444_800; // 2100-01-01, past 32-bit range
    await db.kysely
      .insertInto('chat')
      .values({ id: 'c1', user_id: 'u1', title: 'Grüße 👋', chat: '{}', created_at: now, updated_at: now, share_id: null, archived: true, pinned: false, meta: '{}', folder_id: null })
      .execute();
    const row = await db.kysely.selectFrom('chat').selectAll().where('archived', '=', true).executeTakeFirstOrThrow();
    expect(row.title).toBe('Grüße 👋');
    expect(row.updated_at).toBe(now);
    expect(Boolean(row.archived)).toBe(true);
    expect(Boolean(row.pinned)).toBe(false);
  });

  it('refuses two accounts whose emails differ only in case', async () => {
    const { db } = await freshDb();
    await migrateToLatest(db);
    const user = (id: string, email: string) => ({
      id, name: 'x', email, username: null, role: 'user', profile_image_url: '', bio: null, gender: null, date_of_birth: null,
      info: null, settings: null, api_key: null, oauth_sub: null, last_active_at: 1, updated_at: 1, created_at: 1,
    });
    await db.kysely.insertInto('user').values(user('a', 'Bob@Example.com')).execute();
    await expect(db.kysely.insertInto('user').values(user('b', 'bob@example.com')).execute()).rejects.toThrow();
  });
});

import { sql } from 'kysely';
import type { Db } from './database.js';
import { migrations } from './migrations/index.js';
import { SQLITE_SCHEMA } from './migrations/sqlite-schema.js';

/**
 * A new, empty SQLite database gets the schema that our migrations leave behind, from its recorded
 * text (migrations/sqlite-schema.ts: `sqlite_master` of a freshly migrated database, in creation
 * order), in one transaction, instead of running Kysely's Migrator: building ~100 DDL statements with
 * Kysely's schema builder, its introspection of the migration tables and one commit per statement cost
 * ~20 ms of CPU at a first start, the replay ~2 ms. Used only when the recording covers exactly our
 * migrations and the file has no schema at all; anything else goes to the Migrator as before.
 * test/integration/sqlite-schema.test.ts checks that both ways make the same database and that the
 * recording is current (it says how to refresh it after adding a migration).
 * Returns the migrations applied, or null when this path does not apply.
 */
export async function createFreshSqlite(db: Db): Promise<string[] | null> {
  const ours = Object.keys(migrations);
  if (db.dialect !== 'sqlite' || !sameList(SQLITE_SCHEMA.migrations, ours)) return null;
  // IMMEDIATE takes the write lock first: a second process starting on the same new file waits
  // (busy_timeout), then finds the schema there and leaves it to the Migrator's up-to-date check.
  await sql`begin immediate`.execute(db.kysely);
  try {
    const found = await sql<{ n: number }>`select count(*) as n from sqlite_master`.execute(db.kysely);
    if (Number(found.rows[0]?.n) !== 0) {
      await sql`rollback`.execute(db.kysely);
      return null;
    }
    for (const statement of SQLITE_SCHEMA.statements) await sql.raw(statement).execute(db.kysely);
    // The rows Kysely's Migrator keeps: its lock row, and one row per migration with an ISO timestamp.
    await sql`insert into kysely_migration_lock (id, is_locked) values ('migration_lock', 0)`.execute(db.kysely);
    const timestamp = new Date().toISOString();
    for (const name of ours) await sql`insert into kysely_migration (name, timestamp) values (${name}, ${timestamp})`.execute(db.kysely);
    await sql`commit`.execute(db.kysely);
  } catch (err) {
    await sql`rollback`.execute(db.kysely).catch(() => {});
    throw err;
  }
  return ours;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

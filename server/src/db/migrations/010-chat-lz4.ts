import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * PostgreSQL: the chat document column is compressed with lz4 instead of the default pglz (issue
 * 22). A 30 MB chat is one TOAST value that every open decompresses and every whole-document save
 * compresses; lz4 does both several times faster, which the open of a big chat on PostgreSQL spends
 * most of its server-side time on. Only where the server was built with lz4 (PostgreSQL 14+ and
 * `default_toast_compression` offering it); elsewhere nothing changes. Values already stored keep
 * their compression until they are next written; reading is transparent either way, so the
 * original's own code reads the table as before. SQLite stores text uncompressed: nothing to do.
 */
export function chatLz4(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect !== 'postgres') return;
      const { rows } = await sql<{ ok: boolean }>`
        select exists (select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)) as ok`.execute(db);
      if (!rows[0]?.ok) return;
      await sql`alter table chat alter column chat set compression lz4`.execute(db);
    },
    async down(db: Kysely<any>) {
      if (dialect !== 'postgres') return;
      await sql`alter table chat alter column chat set compression default`.execute(db);
    },
  };
}

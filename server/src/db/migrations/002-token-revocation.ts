import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Token revocation that every instance sees and that survives restarts:
 * - `revoked_token`: one row per signed-out token (jti), kept until the token would have expired
 *   anyway (`expires_at` null = a token without expiry, kept for good).
 * - `token_cutoff`: per user, "tokens issued before this instant (ms) are void" (password changes).
 */
export function tokenRevocation(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('revoked_token')
        .addColumn('jti', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('revoked_token_expires_idx').on('revoked_token').column('expires_at').execute();
      await db.schema
        .createTable('token_cutoff')
        .addColumn('user_id', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('issued_before_ms', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('token_cutoff').execute();
      await db.schema.dropTable('revoked_token').execute();
    },
  };
}

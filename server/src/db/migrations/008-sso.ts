import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Single sign-on: Open WebUI 0.6.34's `oauth_session` table (one row per user and provider, the IdP's
 * token set kept encrypted in `token`), used to sign out at the provider's end-session endpoint.
 */
export function sso(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('oauth_session')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('user.id').onDelete('cascade'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('idx_oauth_session_user_id').on('oauth_session').column('user_id').execute();
      await db.schema.createIndex('idx_oauth_session_expires_at').on('oauth_session').column('expires_at').execute();
      await db.schema.createIndex('idx_oauth_session_user_provider').on('oauth_session').columns(['user_id', 'provider']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('oauth_session').execute();
    },
  };
}

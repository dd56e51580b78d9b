import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * The everyday chat app's tables, with Open WebUI 0.6.34's names and columns so an existing database
 * can be copied in: `folder` (chat folders, key id + user_id), `feedback` (message ratings, the
 * evaluations API) and `memory` (Personalization > Memories). JSON columns are text, like the others.
 */
export function chatApp(dialect: Dialect): Migration {
  const bool = dialect === 'postgres' ? 'boolean' : 'integer';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('folder')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'text')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('items', 'text')
        .addColumn('meta', 'text')
        .addColumn('is_expanded', sql.raw(bool), (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('data', 'text')
        .addPrimaryKeyConstraint('folder_pk', ['id', 'user_id'])
        .execute();
      await db.schema.createIndex('folder_user_parent_idx').on('folder').columns(['user_id', 'parent_id']).execute();

      await db.schema
        .createTable('feedback')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text')
        .addColumn('version', 'bigint')
        .addColumn('type', 'text')
        .addColumn('data', 'text')
        .addColumn('meta', 'text')
        .addColumn('snapshot', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('feedback_user_idx').on('feedback').column('user_id').execute();

      await db.schema
        .createTable('memory')
        .addColumn('id', 'varchar(255)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('memory_id').on('memory').column('id').unique().execute();
      await db.schema.createIndex('memory_user_idx').on('memory').column('user_id').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('memory').execute();
      await db.schema.dropTable('feedback').execute();
      await db.schema.dropTable('folder').execute();
    },
  };
}

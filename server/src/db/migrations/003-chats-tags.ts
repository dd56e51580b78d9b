import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Chat tags and the indexes the chat list needs.
 * - `tag`: Open WebUI's table (id = normalised name, unique per user).
 * - `chat_tag`: which chat carries which tag. The original keeps tag ids only in `chat.meta.tags`;
 *   we keep that too (clients read it) and mirror it here so "chats with tag X" is an index lookup
 *   instead of reading every chat's `meta`.
 * - `chat_list_idx`: covers the sidebar list. On SQLite the flags and `meta` sit after the large `chat`
 *   column, in overflow pages, so a list that touched the table would walk every big chat.
 */
export function chatsTags(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tag')
        .addColumn('id', 'varchar(255)', (c) => c.notNull())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('meta', 'text')
        .addPrimaryKeyConstraint('tag_pk', ['id', 'user_id'])
        .execute();

      await db.schema
        .createTable('chat_tag')
        .addColumn('chat_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('tag_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_tag_pk', ['chat_id', 'tag_id'])
        .execute();
      await db.schema.createIndex('chat_tag_user_tag_idx').on('chat_tag').columns(['user_id', 'tag_id']).execute();

      await sql`create index chat_list_idx on chat (user_id, archived, pinned, updated_at, folder_id, created_at, id, title)`.execute(db);
      await db.schema.createIndex('chat_folder_idx').on('chat').columns(['user_id', 'folder_id']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('chat_folder_idx').execute();
      await db.schema.dropIndex('chat_list_idx').execute();
      await db.schema.dropTable('chat_tag').execute();
      await db.schema.dropTable('tag').execute();
    },
  };
}

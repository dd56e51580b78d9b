import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Messages written into a stored chat since its document was last rewritten (issue 22): one row per
 * (chat, message) holding the composed change to that message node (modules/chats/chats.overlay.ts).
 * Writing one message into a 30 MB chat then costs a small row instead of rewriting the 30 MB `chat`
 * column (and its WAL / TOAST copy); readers splice the rows into the stored text, and a compaction
 * folds them into the document and deletes them in one transaction. Open WebUI has no such table: an
 * adoption reads `chat.chat` after compaction, and a chat's rows go with it (on delete cascade).
 */
export function chatMessageOverlay(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('chat_message_overlay')
        .addColumn('chat_id', 'varchar(255)', (c) => c.notNull().references('chat.id').onDelete('cascade'))
        .addColumn('message_id', 'text', (c) => c.notNull())
        // Order of the first and of the latest write among the chat's rows: replay follows first_seq,
        // the latest write names history.currentId.
        .addColumn('first_seq', 'bigint', (c) => c.notNull())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .addColumn('op', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_message_overlay_pk', ['chat_id', 'message_id'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('chat_message_overlay').execute();
    },
  };
}

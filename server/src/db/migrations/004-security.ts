import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * `reply_inflight`: one row per socket-delivered reply being generated, with the instance running it and
 * a heartbeat. A process killed mid-reply (kill -9, OOM, power loss) cannot mark its replies as cut; the
 * next start (or, in a cluster, any live instance once the heartbeat is stale) finds the rows and stores
 * those replies as interrupted, so no chat keeps a reply that looks complete or loads forever.
 * Not an Open WebUI table (the original has no such recovery); nothing else reads it.
 */
export function security(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('reply_inflight')
        .addColumn('chat_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('message_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('instance', 'varchar(64)', (c) => c.notNull())
        .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('reply_inflight_pk', ['chat_id', 'message_id'])
        .execute();
      await db.schema.createIndex('reply_inflight_instance_idx').on('reply_inflight').columns(['instance', 'heartbeat_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('reply_inflight').execute();
    },
  };
}

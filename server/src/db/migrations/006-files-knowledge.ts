import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * `file` and `knowledge`, column for column as Open WebUI 0.6.34 has them (JSON columns are `json` on
 * PostgreSQL and JSON-affinity text on SQLite), so an existing deployment's rows copy over unchanged.
 * The extra indexes serve "files of a user" and "knowledge of a user", the two lists the UI asks for.
 */
export function filesKnowledge(dialect: Dialect): Migration {
  const json = sql.raw(dialect === 'postgres' ? 'json' : 'JSON');
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('file')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('hash', 'text')
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('path', 'text')
        .addColumn('data', json)
        .addColumn('meta', json)
        .addColumn('access_control', json)
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .execute();
      await db.schema.createIndex('file_user_idx').on('file').columns(['user_id', 'updated_at']).execute();

      await db.schema
        .createTable('knowledge')
        .addColumn('id', 'text', (c) => c.notNull().primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('data', json)
        .addColumn('meta', json)
        .addColumn('access_control', json)
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint')
        .execute();
      await db.schema.createIndex('knowledge_user_idx').on('knowledge').columns(['user_id', 'updated_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('knowledge').execute();
      await db.schema.dropTable('file').execute();
    },
  };
}

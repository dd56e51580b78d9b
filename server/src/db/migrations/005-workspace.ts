import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Workspace tables with Open WebUI 0.6.34's names, columns and JSON formats, so an existing Open WebUI
 * database can be adopted by copying rows:
 * - `model`: custom model records (a base model decorated, or a preset over a base model).
 * - `prompt`: `/command` prompts; `command` is the key clients use, `id` is the legacy integer key the
 *   original's older migrations left in place.
 * - `group`: user groups; `user_ids` is a JSON list of member ids, `permissions` a permission tree.
 * JSON columns are declared `json` (PostgreSQL validates them; SQLite stores text); repositories parse
 * what they read, string or object.
 */
export function workspace(dialect: Dialect): Migration {
  const bool = dialect === 'postgres' ? 'boolean' : 'integer';
  const trueValue = dialect === 'postgres' ? sql`true` : sql`1`;
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('model')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('base_model_id', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('meta', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('access_control', 'json')
        .addColumn('is_active', sql.raw(bool), (c) => c.notNull().defaultTo(trueValue))
        .execute();

      await db.schema
        .createTable('prompt')
        .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) => c.primaryKey())
        .addColumn('command', 'varchar(255)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('access_control', 'json')
        .execute();
      await db.schema.createIndex('prompt_command').on('prompt').column('command').unique().execute();

      await db.schema
        .createTable('group')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text')
        .addColumn('name', 'text')
        .addColumn('description', 'text')
        .addColumn('data', 'json')
        .addColumn('meta', 'json')
        .addColumn('permissions', 'json')
        .addColumn('user_ids', 'json')
        .addColumn('created_at', 'bigint')
        .addColumn('updated_at', 'bigint')
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('group').execute();
      await db.schema.dropIndex('prompt_command').execute();
      await db.schema.dropTable('prompt').execute();
      await db.schema.dropTable('model').execute();
    },
  };
}

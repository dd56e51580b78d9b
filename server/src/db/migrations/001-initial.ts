import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../database.js';

/** user, auth, config and chat, with Open WebUI's table and column names. */
export function initial(dialect: Dialect): Migration {
  const bool = dialect === 'postgres' ? 'boolean' : 'integer';
  const falseValue = dialect === 'postgres' ? sql`false` : sql`0`;
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('user')
        .addColumn('id', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('email', 'varchar(255)', (c) => c.notNull())
        .addColumn('username', 'varchar(50)')
        .addColumn('role', 'varchar(255)', (c) => c.notNull())
        .addColumn('profile_image_url', 'text', (c) => c.notNull())
        .addColumn('bio', 'text')
        .addColumn('gender', 'text')
        .addColumn('date_of_birth', 'varchar(32)')
        .addColumn('info', 'text')
        .addColumn('settings', 'text')
        .addColumn('api_key', 'varchar(255)', (c) => c.unique())
        .addColumn('oauth_sub', 'text', (c) => c.unique())
        .addColumn('last_active_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // Emails are unique regardless of case: "Bob@x.io" and "bob@x.io" are one account.
      await sql`create unique index user_email_lower_idx on ${sql.table('user')} (lower(email))`.execute(db);
      await db.schema.createIndex('user_created_at_idx').on('user').column('created_at').execute();

      await db.schema
        .createTable('auth')
        .addColumn('id', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('email', 'varchar(255)', (c) => c.notNull())
        .addColumn('password', 'text', (c) => c.notNull())
        .addColumn('active', sql.raw(bool), (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('config')
        .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('chat')
        .addColumn('id', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('chat', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('share_id', 'varchar(255)', (c) => c.unique())
        .addColumn('archived', sql.raw(bool), (c) => c.notNull().defaultTo(falseValue))
        .addColumn('pinned', sql.raw(bool), (c) => c.notNull().defaultTo(falseValue))
        .addColumn('meta', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('folder_id', 'text')
        .execute();
      await db.schema.createIndex('chat_user_updated_idx').on('chat').columns(['user_id', 'updated_at']).execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['chat', 'config', 'auth', 'user']) await db.schema.dropTable(t).execute();
    },
  };
}

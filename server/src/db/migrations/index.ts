import type { Migration } from 'kysely';
import type { Dialect } from '../database.js';
import { initial } from './001-initial.js';
import { tokenRevocation } from './002-token-revocation.js';
import { chatsTags } from './003-chats-tags.js';
import { chatApp } from './007-chat-app.js';

/**
 * Every migration, in order. Names are stable ids recorded in the database: never rename one,
 * only append. Each takes the dialect so SQLite and PostgreSQL get the same schema.
 */
export const migrations: Record<string, (dialect: Dialect) => Migration> = {
  '001-initial': initial,
  '002-token-revocation': tokenRevocation,
  '003-chats-tags': chatsTags,
  '007-chat-app': chatApp,
};

import type { Migration } from 'kysely';
import type { Dialect } from '../database.js';
import { initial } from './001-initial.js';
import { tokenRevocation } from './002-token-revocation.js';
import { chatsTags } from './003-chats-tags.js';
import { security } from './004-security.js';
import { workspace } from './005-workspace.js';
import { filesKnowledge } from './006-files-knowledge.js';
import { chatApp } from './007-chat-app.js';
import { sso } from './008-sso.js';
import { chatMessageOverlay } from './009-chat-message-overlay.js';
import { chatLz4 } from './010-chat-lz4.js';

/**
 * Every migration, in order. Names are stable ids recorded in the database: never rename one,
 * only append. Each takes the dialect so SQLite and PostgreSQL get the same schema.
 */
export const migrations: Record<string, (dialect: Dialect) => Migration> = {
  '001-initial': initial,
  '002-token-revocation': tokenRevocation,
  '003-chats-tags': chatsTags,
  '004-security': security,
  '005-workspace': workspace,
  '006-files-knowledge': filesKnowledge,
  '007-chat-app': chatApp,
  '008-sso': sso,
  '009-chat-message-overlay': chatMessageOverlay,
  '010-chat-lz4': chatLz4,
};

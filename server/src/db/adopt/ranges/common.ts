import type { Superseded } from '../types.js';

/** Tables that every range leaves behind on purpose: they hold nothing a user would miss. */
export const SUPERSEDED: readonly Superseded[] = [
  { table: 'alembic_version', why: "the original's schema revision" },
  { table: 'migratehistory', why: "the original's pre-0.3.8 migration log" },
  { table: 'chatidtag', why: 'pre-0.3.33 tags, moved into chat.meta.tags by the original itself' },
];

/** Child tables of 0.6.41+ folded back into their parents' columns. */
export const FOLDED: Record<'members' | 'files' | 'grants' | 'history' | 'messages', Superseded> = {
  members: { table: 'group_member', why: "each group's members (carried as the group's user_ids)" },
  files: { table: 'knowledge_file', why: "each knowledge base's files (carried as its data.file_ids)" },
  grants: { table: 'access_grant', why: "sharing of models, prompts, knowledge and files (carried as their access_control); grants of tables not carried go with them" },
  history: { table: 'prompt_history', why: 'earlier versions of each prompt (the current version is carried)' },
  messages: { table: 'chat_message', why: "an index of the messages in each chat's own history (carried with the chat)" },
};

import type { Superseded } from '../types.js';

/** Tables that every range leaves behind on purpose: they hold nothing a user would miss. */
export const SUPERSEDED: readonly Superseded[] = [
  { table: 'alembic_version', why: "the original's schema revision" },
  { table: 'migratehistory', why: "the original's pre-0.3.8 migration log" },
  { table: 'chatidtag', why: 'pre-0.3.33 tags, moved into chat.meta.tags by the original itself' },
];

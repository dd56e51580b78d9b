import { chat, sharedChat, tag } from '../tables/chats.js';
import { configPerKey } from '../tables/config.js';
import { apiKey, auth, user } from '../tables/users.js';
import type { SchemaRange } from '../types.js';
import { SUPERSEDED } from './common.js';

/** 0.10.x: `config` is one row per dotted key; the 0.9 single-row table stays behind as `config_old`. */
export const v0_10: SchemaRange = {
  id: '0.10.x',
  mappings: [user, auth, apiKey, configPerKey, tag, chat, sharedChat],
  superseded: [
    ...SUPERSEDED,
    { table: 'chat_message', why: "an index of the messages in each chat's own history (carried with the chat)" },
    { table: 'config_old', why: 'the 0.9 settings row, superseded by the per-key config' },
  ],
};

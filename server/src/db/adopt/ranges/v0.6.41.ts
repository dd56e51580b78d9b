import { chat, sharedChat, tag } from '../tables/chats.js';
import { configBlob } from '../tables/config.js';
import { apiKey, auth, user } from '../tables/users.js';
import type { SchemaRange } from '../types.js';
import { SUPERSEDED } from './common.js';

/**
 * 0.6.41 to 0.9.x: API keys in table `api_key`, `user.oauth` JSON; from 0.8 `chat_message` indexes
 * the messages that `chat.chat` still holds; from 0.9 share snapshots live in `shared_chat`.
 */
export const v0_6_41: SchemaRange = {
  id: '0.6.41-0.9.x',
  mappings: [user, auth, apiKey, configBlob, tag, chat, sharedChat],
  superseded: [...SUPERSEDED, { table: 'chat_message', why: "an index of the messages in each chat's own history (carried with the chat)" }],
};

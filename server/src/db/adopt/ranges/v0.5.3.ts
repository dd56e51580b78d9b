import { chat, tag } from '../tables/chats.js';
import { configBlob } from '../tables/config.js';
import { file, knowledge } from '../tables/documents.js';
import { group, model, prompt } from '../tables/workspace.js';
import { auth, user } from '../tables/users.js';
import type { SchemaRange } from '../types.js';
import { SUPERSEDED } from './common.js';

/** 0.5.3 to 0.6.40: API keys and OAuth ids are columns of `user`; settings are one JSON row. */
export const v0_5_3: SchemaRange = {
  id: '0.5.3-0.6.40',
  mappings: [user, auth, configBlob, tag, chat, model, prompt, group, file, knowledge],
  superseded: SUPERSEDED,
};

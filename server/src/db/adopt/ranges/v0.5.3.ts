import { chat, tag } from '../tables/chats.js';
import { configBlob } from '../tables/config.js';
import { file, knowledge } from '../tables/documents.js';
import { feedback, folder, memory } from '../tables/personal.js';
import { group, groupWithMembers, model, prompt } from '../tables/workspace.js';
import { auth, user } from '../tables/users.js';
import type { SchemaRange } from '../types.js';
import { SUPERSEDED } from './common.js';

/** 0.5.3 to 0.6.36: API keys and OAuth ids are columns of `user`; settings are one JSON row. */
export const v0_5_3: SchemaRange = {
  id: '0.5.3-0.6.36',
  mappings: [user, auth, configBlob, tag, chat, model, prompt, group, file, knowledge, folder, feedback, memory],
  superseded: SUPERSEDED,
};

/** 0.6.37 to 0.6.40: the same, but a group's members moved from `group.user_ids` into `group_member`. */
export const v0_6_37: SchemaRange = {
  id: '0.6.37-0.6.40',
  mappings: [user, auth, configBlob, tag, chat, model, prompt, groupWithMembers, file, knowledge, folder, feedback, memory],
  superseded: [...SUPERSEDED, { table: 'group_member', why: "each group's members (carried as the group's user_ids)" }],
};

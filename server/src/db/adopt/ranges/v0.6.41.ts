import { chat, sharedChat, tag } from '../tables/chats.js';
import { configBlob } from '../tables/config.js';
import { file, fileWithGrants, knowledgeWithFiles, knowledgeWithFilesAndGrants } from '../tables/documents.js';
import { feedback, folder, memory } from '../tables/personal.js';
import { groupWithMembers, model, modelWithGrants, prompt, promptWithGrants } from '../tables/workspace.js';
import { apiKey, auth, user } from '../tables/users.js';
import type { SchemaRange } from '../types.js';
import { FOLDED, SUPERSEDED } from './common.js';

/**
 * 0.6.41 to 0.7.x: API keys in table `api_key`, `user.oauth` JSON, a knowledge base's files in
 * `knowledge_file`, group members in `group_member`.
 */
export const v0_6_41: SchemaRange = {
  id: '0.6.41-0.7.x',
  mappings: [user, auth, apiKey, configBlob, tag, chat, sharedChat, model, prompt, groupWithMembers, file, knowledgeWithFiles, folder, feedback, memory],
  superseded: [...SUPERSEDED, FOLDED.members, FOLDED.files],
};

/**
 * 0.8 to 0.9.x: `access_grant` replaces the `access_control` columns, `prompt` has a uuid id and
 * `prompt_history`, `chat_message` indexes the messages that `chat.chat` still holds; from 0.9 share
 * snapshots live in `shared_chat`.
 */
export const v0_8 = {
  id: '0.8-0.9.x',
  mappings: [
    user, auth, apiKey, configBlob, tag, chat, sharedChat,
    modelWithGrants, promptWithGrants, groupWithMembers, fileWithGrants, knowledgeWithFilesAndGrants, folder, feedback, memory,
  ],
  superseded: [...SUPERSEDED, FOLDED.members, FOLDED.files, FOLDED.grants, FOLDED.history, FOLDED.messages],
} satisfies SchemaRange;

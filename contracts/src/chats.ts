import { z } from 'zod';
import { lazy, real } from './lazy.ts';

/**
 * `/api/v1/chats` wire shapes (reference 1.6). The stored `chat` object is defined by the frontend
 * (title, models, params, history{messages, currentId}, messages, tags, files, timestamp), so it is kept
 * open here: the server only reads `title` and `history` from it.
 */
export const ChatObject = lazy(() => z.record(z.string(), z.unknown()));
export type ChatObject = z.infer<typeof ChatObject>;

/** One node of `chat.history.messages`. Extra keys (model, timestamp, done, info, …) are kept. */
export const ChatMessage = lazy(() => z.looseObject({
  id: z.string(),
  parentId: z.string().nullable().optional(),
  childrenIds: z.array(z.string()).optional(),
  role: z.string().optional(),
  content: z.unknown().optional(),
  model: z.string().optional(),
  timestamp: z.number().optional(),
}));
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ChatForm = lazy(() => z.object({ chat: real(ChatObject), folder_id: z.string().nullable().optional() }));
export type ChatForm = z.infer<typeof ChatForm>;

export const ChatImportForm = lazy(() => z.object({
  chat: real(ChatObject),
  meta: z.record(z.string(), z.unknown()).nullable().optional(),
  pinned: z.boolean().nullable().optional(),
  folder_id: z.string().nullable().optional(),
  created_at: z.number().int().nullable().optional(),
  updated_at: z.number().int().nullable().optional(),
}));
export type ChatImportForm = z.infer<typeof ChatImportForm>;

/** Newer clients import several chats at once; older ones post one `ChatImportForm`. */
export const ChatsImportForm = lazy(() => z.object({ chats: z.array(real(ChatImportForm)) }));
export type ChatsImportForm = z.infer<typeof ChatsImportForm>;

export const ChatResponse = lazy(() => z.object({
  id: z.string(),
  user_id: z.string(),
  title: z.string(),
  chat: real(ChatObject),
  updated_at: z.number(),
  created_at: z.number(),
  share_id: z.string().nullable(),
  archived: z.boolean(),
  pinned: z.boolean().nullable(),
  meta: z.record(z.string(), z.unknown()),
  folder_id: z.string().nullable(),
}));
export type ChatResponse = z.infer<typeof ChatResponse>;

export const ChatTitleIdResponse = lazy(() => z.object({
  id: z.string(),
  title: z.string(),
  updated_at: z.number(),
  created_at: z.number(),
}));
export type ChatTitleIdResponse = z.infer<typeof ChatTitleIdResponse>;

/** `/folder/{id}/list` items. */
export const ChatFolderListItem = lazy(() => z.object({ id: z.string(), title: z.string(), updated_at: z.number() }));
export type ChatFolderListItem = z.infer<typeof ChatFolderListItem>;

export const TagModel = lazy(() => z.object({
  id: z.string(),
  name: z.string(),
  user_id: z.string(),
  meta: z.record(z.string(), z.unknown()).nullable(),
}));
export type TagModel = z.infer<typeof TagModel>;

export const TagForm = lazy(() => z.object({ name: z.string().min(1).max(255) }));
export type TagForm = z.infer<typeof TagForm>;

export const TagFilterForm = lazy(() => real(TagForm).extend({
  skip: z.number().int().min(0).nullable().optional(),
  limit: z.number().int().min(0).nullable().optional(),
}));
export type TagFilterForm = z.infer<typeof TagFilterForm>;

export const CloneForm = lazy(() => z.object({ title: z.string().nullable().optional() }));
export type CloneForm = z.infer<typeof CloneForm>;

/** Keys of a message node that only `parentId` (and the server's linking) may set. */
const TREE_KEYS = new Set(['id', 'parentId', 'childrenIds']);

/**
 * `POST /chats/{id}/messages/{message_id}`. The original sends `{content}` (the message's new text,
 * and the message becomes the chat's current leaf); everything else is optional and ours: the role
 * and parent of a message the chat does not hold yet, other keys merged into the message (`fields`:
 * model, done, error, annotation, …), and `current: false` for a write that leaves
 * `history.currentId` where it is (a rating of an older reply).
 */
export const MessageForm = lazy(() => z
  .object({
    content: z.string().optional(),
    role: z.enum(['user', 'assistant', 'system']).optional(),
    parentId: z.string().nullable().optional(),
    fields: z
      .record(z.string(), z.unknown())
      .refine((f) => !Object.keys(f).some((k) => TREE_KEYS.has(k)), 'fields must not hold id, parentId or childrenIds')
      .optional(),
    current: z.boolean().optional(),
  })
  .refine((f) => f.content !== undefined || f.fields !== undefined || f.role !== undefined || f.current !== undefined, 'content is required'));
export type MessageForm = z.infer<typeof MessageForm>;

export const EventForm = lazy(() => z.object({ type: z.string(), data: z.record(z.string(), z.unknown()) }));
export type EventForm = z.infer<typeof EventForm>;

export const ChatFolderIdForm = lazy(() => z.object({ folder_id: z.string().nullable().optional() }));
export type ChatFolderIdForm = z.infer<typeof ChatFolderIdForm>;

// Query strings arrive as text; FastAPI's bool parsing accepts these spellings.
const queryBool = lazy(() => z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes' || v === 'on'));
const page = lazy(() => z.coerce.number().int().min(1));

export const ChatListQuery = lazy(() => z.object({
  page: real(page).optional(),
  include_pinned: real(queryBool).optional(),
  include_folders: real(queryBool).optional(),
}));
export type ChatListQuery = z.infer<typeof ChatListQuery>;

export const ChatListOrderBy = lazy(() => z.enum(['title', 'updated_at', 'created_at']));
export const ChatFilterQuery = lazy(() => z.object({
  page: real(page).optional(),
  query: z.string().optional(),
  order_by: real(ChatListOrderBy).optional(),
  direction: z.enum(['asc', 'desc']).optional(),
}));
export type ChatFilterQuery = z.infer<typeof ChatFilterQuery>;

export const ChatSearchQuery = lazy(() => z.object({ text: z.string(), page: real(page).optional() }));
export type ChatSearchQuery = z.infer<typeof ChatSearchQuery>;

export const PageQuery = lazy(() => z.object({ page: real(page).optional() }));
export type PageQuery = z.infer<typeof PageQuery>;

/** Turns a tag name into its id the way the original does ("My Tag" -> "my_tag"). */
export function tagIdFromName(name: string): string {
  return name.replaceAll(' ', '_').toLowerCase();
}

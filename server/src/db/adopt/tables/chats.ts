import type { SourceRow } from '../source.js';
import type { TableMapping, Write } from '../types.js';
import { bool, epochSeconds, jsonObject, jsonText, text } from '../values.js';

/**
 * The database says whether a stored document is a JSON object, so megabytes of it need not be parsed
 * here: SQLite checks the text, PostgreSQL reports the type of its json value (null when the column
 * is plain text, which is then parsed).
 */
const CHAT_TYPE = {
  sqlite: { __chat_type: `case when json_valid(chat) then json_type(chat) end` },
  postgres: { __chat_type: `case when pg_typeof(chat)::text = 'json' then json_typeof(chat::json) when pg_typeof(chat)::text = 'jsonb' then jsonb_typeof(chat::jsonb) end` },
};

function isObjectDocument(row: SourceRow): boolean {
  if (row.chat === null || row.chat === undefined) return true;
  if (row.__chat_type === 'object') return true;
  if (row.__chat_type !== null && row.__chat_type !== undefined) return false;
  return typeof row.chat === 'string' ? jsonObject(row.chat) !== null : typeof row.chat === 'object' && !Array.isArray(row.chat);
}

/**
 * `chat`: the stored document (title, `history.messages` tree, models...) is carried as its exact
 * text: nothing walks the tree, so no message id (`__proto__` included) is ever used as a key here.
 * SQLite tells whether the text is a JSON object (`json_type`) without us parsing megabytes of it.
 * Tags listed in `meta.tags` are mirrored into our `chat_tag` index, as our chats module does.
 */
export const chat: TableMapping = {
  source: 'chat',
  targets: ['chat', 'chat_tag'],
  columns: ['id', 'user_id', 'title', 'chat', 'created_at', 'updated_at', 'share_id', 'archived', 'pinned', 'meta', 'folder_id'],
  extra: CHAT_TYPE,
  map(row) {
    const id = text(row.id);
    const userId = text(row.user_id);
    if (!id || !userId) return { writes: [], issues: ['chat row without id or user_id'] };
    const doc = row.chat === null || row.chat === undefined ? '{}' : jsonText(row.chat)!;
    if (!isObjectDocument(row)) return { writes: [], issues: [`chat ${id}: stored chat is not a JSON object, not carried`] };
    const metaText = jsonText(row.meta);
    const meta: Record<string, unknown> = jsonObject(metaText) ?? {};
    const created = epochSeconds(row.created_at, 0);
    const writes: Write[] = [
      {
        op: 'insert',
        table: 'chat',
        values: {
          id,
          user_id: userId,
          title: text(row.title) ?? 'New Chat',
          chat: doc,
          created_at: created,
          updated_at: epochSeconds(row.updated_at, created),
          share_id: text(row.share_id),
          archived: bool(row.archived, false),
          pinned: bool(row.pinned, false),
          meta: metaText && jsonObject(metaText) ? metaText : '{}',
          folder_id: text(row.folder_id),
        },
      },
    ];
    // Snapshot rows of shared chats (owner `shared-<chat id>`) are not listed by tag.
    if (!userId.startsWith('shared-') && Array.isArray(meta.tags)) {
      const tagIds = new Set((meta.tags as unknown[]).filter((t): t is string => typeof t === 'string' && t !== ''));
      for (const tagId of tagIds) writes.push({ op: 'insert', table: 'chat_tag', values: { chat_id: id, tag_id: tagId, user_id: userId } });
    }
    return { writes };
  },
};

export const tag: TableMapping = {
  source: 'tag',
  targets: ['tag'],
  columns: ['id', 'name', 'user_id', 'meta'],
  map(row) {
    const id = text(row.id);
    const userId = text(row.user_id);
    if (!id || !userId) return { writes: [], issues: ['tag row without id or user_id'] };
    return { writes: [{ op: 'insert', table: 'tag', values: { id, name: text(row.name) ?? id, user_id: userId, meta: jsonText(row.meta) } }] };
  },
};

/**
 * `shared_chat` (0.9+): the snapshot a share link shows. Up to 0.8 (and in our schema) a snapshot is a
 * `chat` row whose id is the share id and whose owner is `shared-<chat id>`; the original chat's
 * `share_id` points at it either way.
 */
export const sharedChat: TableMapping = {
  source: 'shared_chat',
  targets: ['chat'],
  columns: ['id', 'chat_id', 'user_id', 'title', 'chat', 'created_at', 'updated_at'],
  extra: CHAT_TYPE,
  map(row) {
    const id = text(row.id);
    const chatId = text(row.chat_id);
    if (!id || !chatId) return { writes: [], issues: ['shared chat without id or chat_id'] };
    if (!isObjectDocument(row)) {
      return { writes: [], issues: [`shared chat ${id}: stored chat is not a JSON object, not carried`] };
    }
    const created = epochSeconds(row.created_at, 0);
    return {
      writes: [
        {
          op: 'insert',
          table: 'chat',
          values: {
            id,
            user_id: `shared-${chatId}`,
            title: text(row.title) ?? 'New Chat',
            chat: row.chat === null || row.chat === undefined ? '{}' : jsonText(row.chat)!,
            created_at: created,
            updated_at: epochSeconds(row.updated_at, created),
            share_id: null,
            archived: false,
            pinned: false,
            meta: '{}',
            folder_id: null,
          },
        },
      ],
    };
  },
};

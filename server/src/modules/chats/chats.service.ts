/**
 * Chat persistence rules (reference 1.6).
 *
 * For the realtime / completions code: get the process-wide instance with `chatsServiceFor(ctx)` and
 * call `upsertAssistantMessage(chatId, { messageId, content, mode, parentId, fields })` as chunks
 * arrive (every ~second is fine, also for very large chats):
 * - `mode: 'append'` adds `content` to what is stored, `'replace'` (default) overwrites it;
 * - a message that does not exist yet is created (role `assistant`, `parentId` = the given one or the
 *   chat's current leaf, added to the parent's `childrenIds`), and it becomes `history.currentId`;
 * - `fields` are merged into the message (`model`, `done`, `error`, `info`, …); pass `done: true` on
 *   the last write so the cached template is released;
 * - resolves to the message's full content, or null if the chat does not exist (or, with `userId`,
 *   is not that user's).
 * Calls for one chat are serialised in this process and, through the chat row's lock, across
 * instances. Each call stores an overlay row, not the document (chats.message-writer.ts); every
 * reader gets the merged document (chats.repository.ts) and a background compaction folds the rows
 * into the document (chats.compaction.ts).
 */
import { randomUUID } from 'node:crypto';
import type { ChatForm, ChatImportForm, ChatTitleIdResponse, TagModel } from '@owui/contracts';
import { tagIdFromName } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/database.js';
import { ChatsRepository, insertable, type ChatRow } from './chats.repository.js';
import { stripNul, titleOf, type JsonObject, type MessageUpsert } from './chats.history.js';
import { patchedText } from './chats.doc-patch.js';
import { OverlayCompactor, type CompactionBounds } from './chats.compaction.js';
import { KeyedLock, MessageWriter } from './chats.message-writer.js';
import { mergeOverlay } from './chats.overlay-merge.js';
import { parseObject } from './chats.response.js';
import { parseSearch, searchChats } from './chats.search.js';
import { TagsRepository } from './tags.repository.js';

export const PAGE_SIZE = 60;
const now = () => Math.floor(Date.now() / 1000);

export class ChatsService {
  readonly repo: ChatsRepository;
  readonly tags: TagsRepository;
  readonly #lock = new KeyedLock();
  readonly #writer: MessageWriter;
  readonly compactor: OverlayCompactor;

  constructor(db: Db, bounds?: CompactionBounds) {
    this.repo = new ChatsRepository(db);
    this.tags = new TagsRepository(this.repo.k);
    this.#writer = new MessageWriter(this.repo, this.#lock);
    this.compactor = new OverlayCompactor(this.repo, this.#lock, bounds);
  }

  async upsertAssistantMessage(chatId: string, up: MessageUpsert, userId?: string): Promise<string | null> {
    const r = await this.#writer.write(chatId, up, userId);
    if (!r) return null;
    this.compactor.written(chatId, r);
    return r.content;
  }

  /** A client's message write (the message route): like upsertAssistantMessage, without telling the content. */
  async writeMessage(chatId: string, up: MessageUpsert): Promise<boolean> {
    const r = await this.#writer.write(chatId, up, undefined, false);
    if (r) this.compactor.written(chatId, r);
    return r !== null;
  }

  async create(userId: string, form: ChatForm): Promise<ChatRow> {
    const t = now();
    const row: ChatRow = {
      id: randomUUID(),
      user_id: userId,
      title: titleOf(form.chat),
      chat: JSON.stringify(form.chat),
      created_at: t,
      updated_at: t,
      share_id: null,
      archived: false,
      pinned: false,
      meta: '{}',
      folder_id: form.folder_id ? stripNul(form.folder_id) : null,
    };
    await this.repo.insert(row);
    return row;
  }

  /** Imports chats as given (timestamps, pin, folder, tags in `meta.tags`). */
  async importChats(userId: string, forms: ChatImportForm[]): Promise<ChatRow[]> {
    const t = now();
    const rows = forms.map((f): ChatRow => {
      const meta = { ...(f.meta ?? {}) } as JsonObject;
      if (Array.isArray(meta.tags)) meta.tags = [...new Set(meta.tags.filter((x): x is string => typeof x === 'string').map((x) => tagIdFromName(stripNul(x))))];
      return {
        id: randomUUID(),
        user_id: userId,
        title: titleOf(f.chat),
        chat: JSON.stringify(f.chat),
        created_at: f.created_at ?? t,
        updated_at: f.updated_at ?? t,
        share_id: null,
        archived: false,
        pinned: f.pinned ?? false,
        meta: JSON.stringify(meta),
        folder_id: f.folder_id ? stripNul(f.folder_id) : null,
      };
    });
    await this.repo.insertMany(rows);
    for (const row of rows) {
      const tagIds = (parseObject(row.meta).tags as string[] | undefined) ?? [];
      for (const id of tagIds) await this.tags.ensure(userId, id, id);
      if (tagIds.length) await this.tags.setChatTags(row.id, userId, tagIds);
    }
    return rows;
  }

  /** Shallow-merges `patch` into the stored chat object; null when the chat is not the user's. */
  update(id: string, userId: string, patch: JsonObject): Promise<ChatRow | null> {
    return this.#lock.run(id, () =>
      this.repo.k.transaction().execute(async (trx) => {
        const owner = await this.repo.overlay.lockChat(trx, id);
        if (!owner || owner.user_id !== userId) return null;
        const row = await trx.selectFrom('chat').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) return null;
        // The overlay only holds history.messages / currentId: a patch that brings its own history
        // (the UI saves the whole chat) replaces them anyway, so the rows need no merging then.
        const rows = Object.prototype.hasOwnProperty.call(patch, 'history') ? [] : await this.repo.overlay.rowsOf(trx, id);
        const stored = rows.length ? (mergeOverlay(row.chat, rows) as string) : row.chat;
        const fast = patchedText(stored, patch);
        const merged = fast ? null : { ...parseObject(stored), ...patch };
        const updated: ChatRow = { ...row, chat: fast ? fast.text : JSON.stringify(merged), title: fast ? fast.title : titleOf(merged!), updated_at: now() };
        await this.repo.replaceDoc(trx, id, updated.chat, { title: updated.title, updated_at: updated.updated_at });
        return updated;
      }),
    );
  }

  async togglePinned(row: ChatRow): Promise<ChatRow> {
    const next = { ...row, pinned: !row.pinned, updated_at: now() };
    await this.repo.updateHead(row.id, { pinned: Boolean(next.pinned), updated_at: next.updated_at });
    return next;
  }

  async toggleArchived(row: ChatRow): Promise<ChatRow> {
    const next = { ...row, archived: !row.archived, updated_at: now() };
    await this.repo.updateHead(row.id, { archived: Boolean(next.archived), updated_at: next.updated_at });
    return next;
  }

  async setFolder(row: ChatRow, folderId: string | null): Promise<ChatRow> {
    // Moving a chat into a folder unpins it, like the original.
    const next = { ...row, folder_id: folderId ? stripNul(folderId) : null, pinned: false, updated_at: now() };
    await this.repo.updateHead(row.id, { folder_id: next.folder_id, pinned: false, updated_at: next.updated_at });
    return next;
  }

  async clone(source: ChatRow, userId: string, title?: string | null): Promise<ChatRow> {
    const chat = parseObject(source.chat);
    const history = chat.history as { currentId?: unknown } | undefined;
    const cloned = {
      ...chat,
      originalChatId: source.id,
      branchPointMessageId: history?.currentId ?? null,
      title: title ? title : `Clone of ${source.title}`,
    };
    const [row] = await this.importChats(userId, [
      { chat: cloned, meta: parseObject(source.meta), pinned: Boolean(source.pinned), folder_id: source.folder_id },
    ]);
    return row!;
  }

  /** Shares by snapshot: a row owned by `shared-<chatId>` whose id is the share id. Re-sharing refreshes it. */
  async share(row: ChatRow): Promise<ChatRow> {
    const t = now();
    if (row.share_id) {
      const snapshot = await this.repo.find(row.share_id);
      if (snapshot) {
        const next = { ...snapshot, title: row.title, chat: row.chat, meta: row.meta, updated_at: t };
        await this.repo.k.updateTable('chat').set({ title: next.title, chat: next.chat, meta: next.meta, updated_at: t }).where('id', '=', snapshot.id).execute();
        return next;
      }
    }
    const snapshot: ChatRow = { ...row, id: randomUUID(), user_id: `shared-${row.id}`, share_id: null, archived: false, pinned: false, folder_id: null, updated_at: t };
    await this.repo.k.transaction().execute(async (trx) => {
      await trx.insertInto('chat').values(insertable(snapshot)).execute();
      await trx.updateTable('chat').set({ share_id: snapshot.id }).where('id', '=', row.id).execute();
    });
    return snapshot;
  }

  async unshare(row: ChatRow): Promise<boolean> {
    if (!row.share_id) return false;
    await this.repo.deleteSnapshotsOf(row.id);
    await this.repo.updateHead(row.id, { share_id: null });
    return true;
  }

  async deleteOne(id: string): Promise<boolean> {
    const head = await this.repo.findHead(id);
    if (!head) return false;
    const tagIds = this.#tagIdsOf(head.meta);
    await this.repo.deleteChats([id]);
    await this.#dropUnusedTags(head.user_id, tagIds);
    return true;
  }

  async deleteAllOfUser(userId: string): Promise<boolean> {
    const ids = await this.repo.idsOfUser(userId);
    await this.repo.deleteChats(ids);
    return true;
  }

  async search(userId: string, text: string, page: number): Promise<ChatTitleIdResponse[]> {
    const list = await searchChats(this.repo, userId, text, (page - 1) * PAGE_SIZE, PAGE_SIZE);
    // A lone "tag:x" search that finds nothing means the tag is stale: drop it, like the original.
    const words = text.trim().split(' ');
    if (page === 1 && list.length === 0 && words.length === 1 && words[0]!.startsWith('tag:')) {
      const [tagId] = parseSearch(text).tagIds;
      if (tagId) await this.#dropUnusedTags(userId, [tagId]);
    }
    return list;
  }

  async chatsWithTag(userId: string, name: string, skip: number, limit: number): Promise<ChatTitleIdResponse[]> {
    const list = await searchChats(this.repo, userId, `tag:${name.replaceAll(' ', '_')}`, skip, limit);
    if (list.length === 0) await this.tags.deleteTag(userId, tagIdFromName(name));
    return list;
  }

  async chatTags(row: ChatRow): Promise<TagModel[]> {
    return this.tags.byIds(row.user_id, this.#tagIdsOf(row.meta));
  }

  async addTag(row: ChatRow, name: string): Promise<TagModel[]> {
    const tagId = tagIdFromName(stripNul(name));
    const ids = this.#tagIdsOf(row.meta);
    await this.tags.ensure(row.user_id, tagId, stripNul(name));
    if (!ids.includes(tagId)) await this.#setTags(row, [...ids, tagId]);
    return this.tags.byIds(row.user_id, ids.includes(tagId) ? ids : [...ids, tagId]);
  }

  async removeTag(row: ChatRow, name: string): Promise<TagModel[]> {
    const tagId = tagIdFromName(stripNul(name));
    const ids = this.#tagIdsOf(row.meta).filter((t) => t !== tagId);
    await this.#setTags(row, ids);
    await this.#dropUnusedTags(row.user_id, [tagId]);
    return this.tags.byIds(row.user_id, ids);
  }

  async removeAllTags(row: ChatRow): Promise<boolean> {
    const ids = this.#tagIdsOf(row.meta);
    await this.#setTags(row, []);
    await this.#dropUnusedTags(row.user_id, ids);
    return true;
  }

  async #setTags(row: ChatRow, tagIds: string[]): Promise<void> {
    const meta = { ...parseObject(row.meta), tags: tagIds };
    await this.repo.updateHead(row.id, { meta: JSON.stringify(meta), updated_at: now() });
    await this.tags.setChatTags(row.id, row.user_id, tagIds);
  }

  async #dropUnusedTags(userId: string, tagIds: string[]): Promise<void> {
    for (const id of tagIds) if ((await this.tags.countChats(userId, id)) === 0) await this.tags.deleteTag(userId, id);
  }

  #tagIdsOf(meta: string | null): string[] {
    const tags = parseObject(meta).tags;
    return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
  }
}

const instances = new WeakMap<Db, ChatsService>();

/** The one ChatsService of a database in this process (its per-chat lock and template cache are shared). */
export function chatsServiceFor(ctx: Pick<AppContext, 'db'>): ChatsService {
  let s = instances.get(ctx.db);
  if (!s) instances.set(ctx.db, (s = new ChatsService(ctx.db)));
  return s;
}

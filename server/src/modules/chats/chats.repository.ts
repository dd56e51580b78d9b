import { sql, type Kysely, type Selectable } from 'kysely';
import type { ChatTitleIdResponse } from '@owui/contracts';
import type { Db } from '../../db/database.js';
import type { ChatTable, Database } from '../../db/tables.js';

export type ChatRow = Selectable<ChatTable>;
/** Every column except the (possibly huge) `chat` JSON text. */
export type ChatHead = Omit<ChatRow, 'chat'>;
export type RawChatRow = ChatHead & { chat: string | Buffer };

export interface TagTable {
  id: string;
  name: string;
  user_id: string;
  meta: string | null;
}
export interface ChatTagTable {
  chat_id: string;
  tag_id: string;
  user_id: string;
}
export type ChatsDatabase = Database & { tag: TagTable; chat_tag: ChatTagTable };

const HEAD = ['id', 'user_id', 'title', 'created_at', 'updated_at', 'share_id', 'archived', 'pinned', 'meta', 'folder_id'] as const;
const TITLE_ID = ['id', 'title', 'updated_at', 'created_at'] as const;

export interface ListWindow {
  skip?: number;
  limit?: number;
}

export interface FilteredListOptions extends ListWindow {
  query?: string;
  orderBy?: 'title' | 'updated_at' | 'created_at';
  direction?: 'asc' | 'desc';
}

/** Selected rows carry 0/1 flags on SQLite; inserts want booleans. */
export function insertable(row: ChatRow) {
  return { ...row, archived: Boolean(row.archived), pinned: Boolean(row.pinned) };
}

/** `%text%` for LIKE, with the pattern characters escaped (used with `escape '\'`). */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** SQL for the `chat` table. Lists never select the `chat` column: it can weigh tens of megabytes. */
export class ChatsRepository {
  readonly k: Kysely<ChatsDatabase>;
  constructor(readonly db: Db) {
    this.k = db.kysely.withTables<{ tag: TagTable; chat_tag: ChatTagTable }>();
  }

  /** Case-insensitive "contains" on a text column, per dialect. */
  contains(column: string, text: string) {
    const op = this.db.dialect === 'postgres' ? sql.raw('ilike') : sql.raw('like');
    return sql<boolean>`${sql.ref(column)} ${op} ${likePattern(text)} escape '\\'`;
  }

  async insert(row: ChatRow): Promise<void> {
    await this.k.insertInto('chat').values(insertable(row)).execute();
  }

  async insertMany(rows: ChatRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.k.transaction().execute(async (trx) => {
      for (const row of rows) await trx.insertInto('chat').values(insertable(row)).execute();
    });
  }

  async find(id: string): Promise<ChatRow | undefined> {
    return this.k.selectFrom('chat').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findOwned(id: string, userId: string): Promise<ChatRow | undefined> {
    return this.k.selectFrom('chat').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  }

  /**
   * A row for sending as-is. On SQLite the document comes back as its stored UTF-8 bytes (a Buffer),
   * skipping a decode to a JS string and the encode back when the response is written.
   */
  async findRaw(id: string, userId?: string): Promise<RawChatRow | undefined> {
    const chat = this.db.dialect === 'sqlite' ? sql<Buffer>`cast(chat as blob)`.as('chat') : sql<string>`chat`.as('chat');
    let q = this.k.selectFrom('chat').select([...HEAD, chat]).where('id', '=', id);
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    return q.executeTakeFirst();
  }

  async findHead(id: string, userId?: string): Promise<ChatHead | undefined> {
    let q = this.k.selectFrom('chat').select(HEAD).where('id', '=', id);
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    return q.executeTakeFirst();
  }

  /** The snapshot row whose id is `shareId`, found through the original chat's `share_id`. */
  async findByShareId(shareId: string): Promise<ChatRow | undefined> {
    const original = await this.k.selectFrom('chat').select('id').where('share_id', '=', shareId).executeTakeFirst();
    return original ? this.find(shareId) : undefined;
  }

  async chatText(id: string, userId?: string): Promise<{ chat: string; updated_at: number } | undefined> {
    let q = this.k.selectFrom('chat').select(['chat', 'updated_at']).where('id', '=', id);
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    return q.executeTakeFirst();
  }

  /** The sidebar list: not archived; pinned and in-folder chats only when asked. Served by chat_list_idx. */
  async listTitles(userId: string, opts: ListWindow & { includePinned?: boolean; includeFolders?: boolean }): Promise<ChatTitleIdResponse[]> {
    let q = this.k.selectFrom('chat').select(TITLE_ID).where('user_id', '=', userId).where('archived', '=', false);
    if (!opts.includePinned) q = q.where('pinned', '=', false);
    if (!opts.includeFolders) q = q.where('folder_id', 'is', null);
    // No tie-breaker column: chat_list_idx already orders ties, and an extra sort key would make
    // SQLite sort instead of reading the first page straight off the index.
    q = q.orderBy('updated_at', 'desc');
    if (opts.limit !== undefined) q = q.limit(opts.limit).offset(opts.skip ?? 0);
    return q.execute();
  }

  async listFiltered(userId: string, archived: boolean | null, opts: FilteredListOptions): Promise<ChatTitleIdResponse[]> {
    let q = this.k.selectFrom('chat').select(TITLE_ID).where('user_id', '=', userId);
    if (archived !== null) q = q.where('archived', '=', archived);
    if (opts.query) q = q.where(this.contains('title', opts.query));
    q = q.orderBy(opts.orderBy ?? 'updated_at', opts.direction ?? 'desc').orderBy('id', 'asc');
    if (opts.limit !== undefined) q = q.limit(opts.limit).offset(opts.skip ?? 0);
    return q.execute();
  }

  async listPinned(userId: string): Promise<ChatTitleIdResponse[]> {
    return this.k
      .selectFrom('chat')
      .select(TITLE_ID)
      .where('user_id', '=', userId)
      .where('archived', '=', false)
      .where('pinned', '=', true)
      .orderBy('updated_at', 'desc')
      .execute();
  }

  /** Full rows; `userId` null means every user's chats (admin export), share snapshots excluded. */
  async listRows(userId: string | null, opts: { archived?: boolean; folderId?: string } = {}): Promise<ChatRow[]> {
    let q = this.k.selectFrom('chat').selectAll();
    q = userId === null ? q.where('user_id', 'not like', 'shared-%') : q.where('user_id', '=', userId);
    if (opts.archived !== undefined) q = q.where('archived', '=', opts.archived);
    if (opts.folderId !== undefined) q = q.where('folder_id', '=', opts.folderId);
    return q.orderBy('updated_at', 'desc').orderBy('id', 'asc').execute();
  }

  async listFolder(userId: string, folderId: string, window: ListWindow): Promise<Array<{ id: string; title: string; updated_at: number }>> {
    return this.k
      .selectFrom('chat')
      .select(['id', 'title', 'updated_at'])
      .where('user_id', '=', userId)
      .where('folder_id', '=', folderId)
      .where('archived', '=', false)
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'asc')
      .limit(window.limit ?? 10)
      .offset(window.skip ?? 0)
      .execute();
  }

  /** The stored document: UTF-8 bytes on SQLite (no decode), text on PostgreSQL. */
  async chatDoc(id: string, userId?: string): Promise<{ chat: string | Buffer } | undefined> {
    const chat = this.db.dialect === 'sqlite' ? sql<Buffer>`cast(chat as blob)`.as('chat') : sql<string>`chat`.as('chat');
    let q = this.k.selectFrom('chat').select([chat]).where('id', '=', id);
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    return q.executeTakeFirst();
  }

  /** Stores a document given as text or as UTF-8 bytes (kept as TEXT: SQLite's cast does not transcode). */
  async updateChatDoc(id: string, chat: string | Buffer, title: string, updatedAt: number): Promise<void> {
    const value = typeof chat === 'string' ? chat : sql<string>`cast(${chat} as text)`;
    await this.k.updateTable('chat').set({ chat: value, title, updated_at: updatedAt }).where('id', '=', id).execute();
  }

  async updateChat(id: string, chat: string, title: string, updatedAt: number): Promise<void> {
    await this.k.updateTable('chat').set({ chat, title, updated_at: updatedAt }).where('id', '=', id).execute();
  }

  async updateHead(
    id: string,
    set: Partial<{ pinned: boolean; archived: boolean; folder_id: string | null; share_id: string | null; meta: string; updated_at: number }>,
  ): Promise<void> {
    await this.k.updateTable('chat').set(set).where('id', '=', id).execute();
  }

  async setArchivedForUser(userId: string, archived: boolean): Promise<void> {
    await this.k.updateTable('chat').set({ archived }).where('user_id', '=', userId).execute();
  }

  /** Deletes chats and everything hanging off them (share snapshots, tag links). */
  async deleteChats(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.k.transaction().execute(async (trx) => {
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        await trx.deleteFrom('chat_tag').where('chat_id', 'in', part).execute();
        await trx.deleteFrom('chat').where('user_id', 'in', part.map((id) => `shared-${id}`)).execute();
        await trx.deleteFrom('chat').where('id', 'in', part).execute();
      }
    });
  }

  async idsOfUser(userId: string): Promise<string[]> {
    return (await this.k.selectFrom('chat').select('id').where('user_id', '=', userId).execute()).map((r) => r.id);
  }

  async deleteSnapshotsOf(chatId: string): Promise<void> {
    await this.k.deleteFrom('chat').where('user_id', '=', `shared-${chatId}`).execute();
  }
}

import { sql, type Kysely, type Selectable } from 'kysely';
import type { ChatTitleIdResponse } from '@owui/contracts';
import type { Db } from '../../db/database.js';
import type { ChatTable, Database } from '../../db/tables.js';
import type { OverlayRow } from './chats.overlay.js';
import { mergeOverlay, mergeOverlayParts } from './chats.overlay-merge.js';
import { OverlayRepository } from './chats.overlay.repository.js';
import { byChatDate } from './chats.list-order.js';
import { Precompiled } from '../../db/precompiled.js';

export type ChatRow = Selectable<ChatTable>;
/** Every column except the (possibly huge) `chat` JSON text. */
export type ChatHead = Omit<ChatRow, 'chat'>;
/** `chat`: text, stored UTF-8 bytes, or (merged) the pieces of the document's bytes in order. */
export type RawChatRow = ChatHead & { chat: string | Buffer | Buffer[] };

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

type SidebarFlags = { includePinned?: boolean; includeFolders?: boolean };

/** A user's titles not archived: what the sidebar and the pinned list narrow down. */
const activeTitles = (k: Kysely<ChatsDatabase>, userId: string) =>
  k.selectFrom('chat').select(TITLE_ID).where('user_id', '=', userId).where('archived', '=', false);
type TitleBase = (k: Kysely<ChatsDatabase>, userId: string) => ReturnType<typeof activeTitles>;

function sidebarTitles(flags: SidebarFlags): TitleBase {
  return (k, userId) => {
    let q = activeTitles(k, userId);
    if (!flags.includePinned) q = q.where('pinned', '=', false);
    if (!flags.includeFolders) q = q.where('folder_id', 'is', null);
    return q;
  };
}
const pinnedTitles: TitleBase = (k, userId) => activeTitles(k, userId).where('pinned', '=', true);

type TitleQuery = Precompiled<ChatTitleIdResponse>;
interface TitleList {
  base: TitleBase;
  overlaid: TitleQuery;
  all: TitleQuery;
  page: TitleQuery;
}
const titleLists = new Map<string, TitleList>();

/**
 * The reads of one title list (the sidebar per combination of its flags, the pinned list), built and
 * compiled once (db/precompiled.ts): the chats of the list that have overlay rows, then the list by
 * date, whole or one page.
 */
function titleList(key: string, base: TitleBase): TitleList {
  let list = titleLists.get(key);
  if (!list) {
    const from = (k: Kysely<never>, userId: string | undefined) => base(k as unknown as Kysely<ChatsDatabase>, userId!);
    list = {
      base,
      overlaid: new Precompiled(1, (k, userId) => from(k, userId).where('id', 'in', (eb) => eb.selectFrom('chat_message_overlay').select('chat_message_overlay.chat_id'))),
      all: new Precompiled(1, (k, userId) => from(k, userId).orderBy('updated_at', 'desc')),
      page: new Precompiled(3, (k, userId, limit, skip) =>
        from(k, userId)
          .orderBy('updated_at', 'desc')
          .limit(limit as unknown as number)
          .offset(skip as unknown as number),
      ),
    };
    titleLists.set(key, list);
  }
  return list;
}

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

/**
 * SQL for the `chat` table. Lists never select the `chat` column: it can weigh tens of megabytes.
 * Every method that returns a document returns the merged one (the stored text with the chat's
 * `chat_message_overlay` rows spliced in, chats.overlay-merge.ts), read with its rows in one
 * snapshot; `storedDoc` alone gives the bare stored text, for the writers that fold the rows.
 */
export class ChatsRepository {
  readonly k: Kysely<ChatsDatabase>;
  readonly overlay: OverlayRepository;
  constructor(readonly db: Db) {
    this.k = db.kysely.withTables<{ tag: TagTable; chat_tag: ChatTagTable }>();
    this.overlay = new OverlayRepository(db);
  }

  /**
   * Runs reads of documents and their overlay rows in one snapshot: between two plain reads a
   * compaction could fold the rows into the document (rows read first would then apply twice).
   */
  #snapshot<T>(fn: (k: Kysely<ChatsDatabase>) => Promise<T>): Promise<T> {
    const trx = this.k.transaction();
    return (this.db.dialect === 'postgres' ? trx.setIsolationLevel('repeatable read') : trx).execute(fn);
  }

  /** The row with its overlay rows merged; a message written since the row was touched dates it. */
  async #merge<R extends { id: string; chat: string | Buffer; updated_at?: number }>(k: Kysely<ChatsDatabase>, row: R | undefined): Promise<R | undefined> {
    if (!row) return row;
    const rows = await this.overlay.rowsOf(k, row.id);
    return rows.length ? { ...row, chat: mergeOverlay(row.chat, rows), ...this.#dated(row, rows) } : row;
  }

  #dated(row: { updated_at?: number }, rows: OverlayRow[]): { updated_at?: number } {
    if (row.updated_at === undefined) return {};
    return { updated_at: Math.max(Number(row.updated_at), ...rows.map((r) => Number(r.updated_at ?? 0))) };
  }

  /**
   * A list dated like the chats' reads: a message written since the row was last touched (see
   * MessageWriter) dates the chat. One indexed query for the page; nothing changes without rows.
   */
  async dated<T extends { id: string; updated_at: number }>(list: T[]): Promise<T[]> {
    if (list.length === 0) return list;
    const latest = await this.overlay.latestWrites(this.k, list.map((c) => c.id));
    if (latest.size === 0) return list;
    return list.map((c) => {
      const t = latest.get(c.id);
      return t !== undefined && t > Number(c.updated_at) ? { ...c, updated_at: t } : c;
    });
  }

  /** The chat's owner, read without the columns stored after the document (cheap on SQLite). */
  async ownerOf(id: string): Promise<string | undefined> {
    return (await this.k.selectFrom('chat').select('user_id').where('id', '=', id).executeTakeFirst())?.user_id;
  }

  /** The stored document without its overlay rows, for a writer inside its transaction. */
  async storedDoc(k: Kysely<ChatsDatabase>, id: string): Promise<{ chat: string | Buffer; updated_at: number } | undefined> {
    const chat = this.db.dialect === 'sqlite' ? sql<Buffer>`cast(chat as blob)`.as('chat') : sql<string>`chat`.as('chat');
    return k.selectFrom('chat').select([chat, 'updated_at']).where('id', '=', id).executeTakeFirst();
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
    return this.#snapshot(async (k) => this.#text(await this.#merge(k, await k.selectFrom('chat').selectAll().where('id', '=', id).executeTakeFirst())));
  }

  async findOwned(id: string, userId: string): Promise<ChatRow | undefined> {
    return this.#snapshot(async (k) =>
      this.#text(await this.#merge(k, await k.selectFrom('chat').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst())),
    );
  }

  #text<R extends { chat: string | Buffer }>(row: R | undefined): (Omit<R, 'chat'> & { chat: string }) | undefined {
    return row && { ...row, chat: typeof row.chat === 'string' ? row.chat : row.chat.toString('utf8') };
  }

  /**
   * A row for sending as-is. On SQLite the document comes back as its stored UTF-8 bytes (a Buffer),
   * skipping a decode to a JS string and the encode back when the response is written.
   */
  async findRaw(id: string, userId?: string): Promise<RawChatRow | undefined> {
    const chat = this.db.dialect === 'sqlite' ? sql<Buffer>`cast(chat as blob)`.as('chat') : sql<string>`chat`.as('chat');
    return this.#snapshot(async (k) => {
      let q = k.selectFrom('chat').select([...HEAD, chat]).where('id', '=', id);
      if (userId !== undefined) q = q.where('user_id', '=', userId);
      const row = await q.executeTakeFirst();
      const rows = row ? await this.overlay.rowsOf(k, row.id) : [];
      return row && rows.length ? { ...row, chat: mergeOverlayParts(row.chat, rows), ...this.#dated(row, rows) } : row;
    });
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
    return this.#snapshot(async (k) => {
      let q = k.selectFrom('chat').select(['id', 'chat', 'updated_at']).where('id', '=', id);
      if (userId !== undefined) q = q.where('user_id', '=', userId);
      const row = this.#text(await this.#merge(k, await q.executeTakeFirst()));
      return row && { chat: row.chat, updated_at: row.updated_at };
    });
  }

  /**
   * The sidebar list: not archived; pinned and in-folder chats only when asked. Served by chat_list_idx.
   * Read on every page load and after every reply, so its reads are precompiled (titleList).
   */
  listTitles(userId: string, opts: ListWindow & SidebarFlags): Promise<ChatTitleIdResponse[]> {
    const key = `sidebar:${opts.includePinned ? 1 : 0}${opts.includeFolders ? 1 : 0}`;
    return this.#titles(titleList(key, sidebarTitles({ includePinned: opts.includePinned, includeFolders: opts.includeFolders })), userId, opts);
  }

  /** A title list by date: precompiled reads; the merge with chats that have overlay rows (rare) as byChatDate does it. */
  async #titles(list: TitleList, userId: string, window: ListWindow): Promise<ChatTitleIdResponse[]> {
    const withRows = await list.overlaid.rows(this.db, [userId]);
    if (withRows.length === 0) {
      return window.limit === undefined ? list.all.rows(this.db, [userId]) : list.page.rows(this.db, [userId, window.limit, window.skip ?? 0]);
    }
    // No tie-breaker column: chat_list_idx already orders ties, and an extra sort key would make
    // SQLite sort instead of reading the first page straight off the index.
    return byChatDate(this.k, this.overlay, list.base(this.k, userId), window, {}, withRows);
  }

  async listFiltered(userId: string, archived: boolean | null, opts: FilteredListOptions): Promise<ChatTitleIdResponse[]> {
    let q = this.k.selectFrom('chat').select(TITLE_ID).where('user_id', '=', userId);
    if (archived !== null) q = q.where('archived', '=', archived);
    if (opts.query) q = q.where(this.contains('title', opts.query));
    if ((opts.orderBy ?? 'updated_at') === 'updated_at') return byChatDate(this.k, this.overlay, q, opts, { direction: opts.direction, tieById: true });
    q = q.orderBy(opts.orderBy!, opts.direction ?? 'desc').orderBy('id', 'asc');
    if (opts.limit !== undefined) q = q.limit(opts.limit).offset(opts.skip ?? 0);
    return this.dated(await q.execute());
  }

  listPinned(userId: string): Promise<ChatTitleIdResponse[]> {
    return this.#titles(titleList('pinned', pinnedTitles), userId, {});
  }

  /** Full rows; `userId` null means every user's chats (admin export), share snapshots excluded. */
  async listRows(userId: string | null, opts: { archived?: boolean; folderId?: string } = {}): Promise<ChatRow[]> {
    return this.#snapshot(async (k) => {
      let q = k.selectFrom('chat').selectAll();
      q = userId === null ? q.where('user_id', 'not like', 'shared-%') : q.where('user_id', '=', userId);
      if (opts.archived !== undefined) q = q.where('archived', '=', opts.archived);
      if (opts.folderId !== undefined) q = q.where('folder_id', '=', opts.folderId);
      const rows = await q.orderBy('updated_at', 'desc').orderBy('id', 'asc').execute();
      const overlays = await this.overlay.rowsOfMany(k, rows.map((r) => r.id));
      if (overlays.size === 0) return rows;
      const merged = rows.map((r) => {
        const o = overlays.get(r.id);
        return o ? { ...r, chat: mergeOverlay(r.chat, o) as string, ...this.#dated(r, o) } : r;
      });
      // Newest first by the chats' dates (a message write dates a chat through its overlay rows).
      return merged.sort((a, b) => Number(b.updated_at) - Number(a.updated_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    });
  }

  async listFolder(userId: string, folderId: string, window: ListWindow): Promise<Array<{ id: string; title: string; updated_at: number }>> {
    const q = this.k.selectFrom('chat').select(['id', 'title', 'updated_at']).where('user_id', '=', userId).where('folder_id', '=', folderId).where('archived', '=', false);
    return byChatDate(this.k, this.overlay, q, { skip: window.skip ?? 0, limit: window.limit ?? 10 }, { tieById: true });
  }

  /**
   * Stores a whole document (text, or UTF-8 bytes kept as TEXT: SQLite's cast does not transcode) and
   * drops the chat's overlay rows, which it already holds: call inside the transaction that read them.
   */
  async replaceDoc(k: Kysely<ChatsDatabase>, id: string, chat: string | Buffer, set: { title?: string; updated_at?: number } = {}): Promise<void> {
    const value = typeof chat === 'string' ? chat : sql<string>`cast(${chat} as text)`;
    await k.updateTable('chat').set({ chat: value, ...set }).where('id', '=', id).execute();
    await this.overlay.deleteOf(k, id);
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

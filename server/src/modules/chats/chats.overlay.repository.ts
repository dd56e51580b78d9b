import { sql, type Kysely, type Transaction } from 'kysely';
import type { Db, Dialect } from '../../db/database.js';
import { Precompiled } from '../../db/precompiled.js';
import type { OverlayRow } from './chats.overlay.js';
import type { ChatsDatabase } from './chats.repository.js';

type Database = ChatsDatabase;
type Exec = Kysely<Database>;

const COLUMNS = ['message_id', 'first_seq', 'last_seq', 'op', 'updated_at'] as const;

const q = (k: Kysely<never>) => k as unknown as Exec;
const num = (placeholder: string) => placeholder as unknown as number;

/**
 * The statements of one message write (MessageWriter.writeIn), compiled once: a streamed socket reply
 * is written every 500 ms, and building these six queries through Kysely cost more than running them.
 */
const WRITE = {
  lock: new Precompiled<{ user_id: string }>(1, (k, chatId) => q(k).selectFrom('chat').select(['user_id']).where('id', '=', chatId)),
  lockForUpdate: new Precompiled<{ user_id: string }>(1, (k, chatId) => q(k).selectFrom('chat').select(['user_id']).where('id', '=', chatId).forUpdate()),
  own: new Precompiled<OverlayRow>(2, (k, chatId, messageId) =>
    q(k).selectFrom('chat_message_overlay').select(COLUMNS).where('chat_id', '=', chatId).where('message_id', '=', messageId),
  ),
  latest: new Precompiled<Pick<OverlayRow, 'message_id' | 'last_seq' | 'op'>>(1, (k, chatId) =>
    q(k).selectFrom('chat_message_overlay').select(['message_id', 'last_seq', 'op']).where('chat_id', '=', chatId).orderBy('last_seq', 'desc').limit(1),
  ),
  size: new Precompiled<{ rows: number; bytes: number }>(1, (k, chatId) =>
    q(k)
      .selectFrom('chat_message_overlay')
      .select([sql<number>`count(*)`.as('rows'), sql<number>`coalesce(sum(length(op)), 0)`.as('bytes')])
      .where('chat_id', '=', chatId),
  ),
  insert: new Precompiled<never>(7, (k, chatId, messageId, firstSeq, lastSeq, op, createdAt, updatedAt) =>
    q(k)
      .insertInto('chat_message_overlay')
      .values({ chat_id: chatId, message_id: messageId, first_seq: num(firstSeq), last_seq: num(lastSeq), op, created_at: num(createdAt), updated_at: num(updatedAt) }),
  ),
  update: new Precompiled<never>(5, (k, seq, op, now, chatId, messageId) =>
    q(k).updateTable('chat_message_overlay').set({ last_seq: num(seq), op, updated_at: num(now) }).where('chat_id', '=', chatId).where('message_id', '=', messageId),
  ),
};

/** SQL for `chat_message_overlay` (see chats.overlay.ts for what a row means). */
export class OverlayRepository {
  readonly dialect: Dialect;

  constructor(private readonly db: Db) {
    this.dialect = db.dialect;
  }

  async rowsOf(k: Exec, chatId: string): Promise<OverlayRow[]> {
    return k.selectFrom('chat_message_overlay').select(COLUMNS).where('chat_id', '=', chatId).execute();
  }

  /** Rows of many chats at once (lists and exports), by chat id. */
  async rowsOfMany(k: Exec, chatIds: string[]): Promise<Map<string, OverlayRow[]>> {
    const out = new Map<string, OverlayRow[]>();
    for (let i = 0; i < chatIds.length; i += 500) {
      const part = chatIds.slice(i, i + 500);
      const rows = await k.selectFrom('chat_message_overlay').select(['chat_id', ...COLUMNS]).where('chat_id', 'in', part).execute();
      for (const { chat_id, ...row } of rows) {
        const list = out.get(chat_id);
        if (list) list.push(row);
        else out.set(chat_id, [row]);
      }
    }
    return out;
  }

  /** The latest overlay write of each of these chats that has one (epoch seconds). */
  async latestWrites(k: Exec, chatIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < chatIds.length; i += 500) {
      const rows = await k
        .selectFrom('chat_message_overlay')
        .select(['chat_id', sql<number>`max(updated_at)`.as('t')])
        .where('chat_id', 'in', chatIds.slice(i, i + 500))
        .groupBy('chat_id')
        .execute();
      for (const r of rows) out.set(r.chat_id, Number(r.t));
    }
    return out;
  }

  /** The row of one message, and the chat's latest write (its message is the current leaf). */
  async writeState(k: Exec, chatId: string, messageId: string) {
    const [own] = await WRITE.own.rows(this.db, [chatId, messageId], k);
    const [latest] = await WRITE.latest.rows(this.db, [chatId], k);
    return { own, latest };
  }

  /** How much a chat holds in overlay rows (compaction bound). */
  async size(k: Exec, chatId: string): Promise<{ rows: number; bytes: number }> {
    const [r] = await WRITE.size.rows(this.db, [chatId], k);
    return { rows: Number(r?.rows ?? 0), bytes: Number(r?.bytes ?? 0) };
  }

  async insert(k: Exec, chatId: string, messageId: string, seq: number, op: string, now: number): Promise<void> {
    await WRITE.insert.rows(this.db, [chatId, messageId, seq, seq, op, now, now], k);
  }

  async update(k: Exec, chatId: string, messageId: string, seq: number, op: string, now: number): Promise<void> {
    await WRITE.update.rows(this.db, [seq, op, now, chatId, messageId], k);
  }

  async deleteOf(k: Exec, chatId: string): Promise<void> {
    await k.deleteFrom('chat_message_overlay').where('chat_id', '=', chatId).execute();
  }

  /**
   * The stored document's size in bytes, without reading it: SQLite (3.43+) and PostgreSQL (from the
   * TOAST header) tell `octet_length` of a text value without loading it.
   */
  async docBytes(k: Exec, chatId: string): Promise<number | undefined> {
    const r = await k.selectFrom('chat').select(sql<number>`octet_length(chat)`.as('n')).where('id', '=', chatId).executeTakeFirst();
    return r ? Number(r.n) : undefined;
  }

  /** Chats that hold overlay rows (compacted at start-up). */
  async chatIds(k: Exec): Promise<string[]> {
    return (await k.selectFrom('chat_message_overlay').select('chat_id').distinct().execute()).map((r) => r.chat_id);
  }

  /**
   * Locks the chat row for the rest of the transaction (PostgreSQL; SQLite transactions already run
   * alone on the one connection) and returns its owner. Writers and the compaction both take it, so
   * no write lands between the compaction's read and its delete, on any instance.
   */
  async lockChat(k: Transaction<Database>, chatId: string): Promise<{ user_id: string } | undefined> {
    const lock = this.dialect === 'postgres' ? WRITE.lockForUpdate : WRITE.lock;
    const [head] = await lock.rows(this.db, [chatId], k);
    return head;
  }

  /** Chats whose overlay rows hold the text (search), among `chatIds`. */
  containsFilter(column: string, pattern: string) {
    const op = this.dialect === 'postgres' ? sql.raw('ilike') : sql.raw('like');
    return sql<boolean>`exists (select 1 from chat_message_overlay o where o.chat_id = ${sql.ref(column)} and o.op ${op} ${pattern} escape '\\')`;
  }
}

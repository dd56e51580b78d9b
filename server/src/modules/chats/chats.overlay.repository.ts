import { sql, type Kysely, type Transaction } from 'kysely';
import type { Dialect } from '../../db/database.js';
import type { OverlayRow } from './chats.overlay.js';
import type { ChatsDatabase } from './chats.repository.js';

type Database = ChatsDatabase;
type Exec = Kysely<Database>;

const COLUMNS = ['message_id', 'first_seq', 'last_seq', 'op', 'updated_at'] as const;

/** SQL for `chat_message_overlay` (see chats.overlay.ts for what a row means). */
export class OverlayRepository {
  constructor(readonly dialect: Dialect) {}

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
    const own = await k.selectFrom('chat_message_overlay').select(COLUMNS).where('chat_id', '=', chatId).where('message_id', '=', messageId).executeTakeFirst();
    const latest = await k
      .selectFrom('chat_message_overlay')
      .select(['message_id', 'last_seq', 'op'])
      .where('chat_id', '=', chatId)
      .orderBy('last_seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return { own, latest };
  }

  /** How much a chat holds in overlay rows (compaction bound). */
  async size(k: Exec, chatId: string): Promise<{ rows: number; bytes: number }> {
    const r = await k
      .selectFrom('chat_message_overlay')
      .select([sql<number>`count(*)`.as('rows'), sql<number>`coalesce(sum(length(op)), 0)`.as('bytes')])
      .where('chat_id', '=', chatId)
      .executeTakeFirst();
    return { rows: Number(r?.rows ?? 0), bytes: Number(r?.bytes ?? 0) };
  }

  async insert(k: Exec, chatId: string, messageId: string, seq: number, op: string, now: number): Promise<void> {
    await k
      .insertInto('chat_message_overlay')
      .values({ chat_id: chatId, message_id: messageId, first_seq: seq, last_seq: seq, op, created_at: now, updated_at: now })
      .execute();
  }

  async update(k: Exec, chatId: string, messageId: string, seq: number, op: string, now: number): Promise<void> {
    await k
      .updateTable('chat_message_overlay')
      .set({ last_seq: seq, op, updated_at: now })
      .where('chat_id', '=', chatId)
      .where('message_id', '=', messageId)
      .execute();
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
    let q = k.selectFrom('chat').select(['user_id']).where('id', '=', chatId);
    if (this.dialect === 'postgres') q = q.forUpdate();
    return q.executeTakeFirst();
  }

  /** Chats whose overlay rows hold the text (search), among `chatIds`. */
  containsFilter(column: string, pattern: string) {
    const op = this.dialect === 'postgres' ? sql.raw('ilike') : sql.raw('like');
    return sql<boolean>`exists (select 1 from chat_message_overlay o where o.chat_id = ${sql.ref(column)} and o.op ${op} ${pattern} escape '\\')`;
  }
}

import { getOwn } from '../../security/own-keys.js';
import type { Transaction } from 'kysely';
import type { ChatsDatabase, ChatsRepository } from './chats.repository.js';
import type { MessageUpsert } from './chats.history.js';
import { composeOp, isStoredLeaf, knownContent, leafAfter, parseOp, STORED_LEAF, type OverlayOp } from './chats.overlay.js';
import { storedNode } from './chats.overlay-merge.js';

/** Runs tasks for the same key one after another (read-modify-write of one chat). */
export class KeyedLock {
  #tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }
}

export interface WriteResult {
  content: string;
  /** What the chat's overlay holds after the write (compaction bound). */
  rows: number;
  bytes: number;
}

/**
 * Writes one message of a chat as an overlay row (chats.overlay.ts) instead of rewriting the stored
 * document: a 30 MB chat costs a few small queries per write, not reading and writing 30 MB. The
 * chat row is not touched at all, `updated_at` included (on SQLite moving any column of a 30 MB row
 * rewrites the record, 45-55 ms): the row's time is the write's `updated_at`, which every read and
 * list takes as the chat's date (ChatsRepository, chats.list-order.ts) and the compaction stores. All of
 * it runs in one transaction that first locks the chat row (PostgreSQL `for update`), so concurrent
 * writes to one chat, from this process or another instance, apply one after the other, and the
 * compaction never folds rows while a write is between its read and its update.
 */
export class MessageWriter {
  constructor(
    private readonly repo: ChatsRepository,
    private readonly lock: KeyedLock,
  ) {}

  /**
   * The message's new content and the overlay's size, or null when the chat does not exist (or is not
   * `userId`'s). With `wantContent` false a write of fields only does not read the stored document to
   * tell the content (`content` is then '' unless the write knows it).
   */
  write(chatId: string, up: MessageUpsert, userId?: string, wantContent = true): Promise<WriteResult | null> {
    return this.lock.run(chatId, () => this.repo.k.transaction().execute((trx) => this.writeIn(trx, chatId, up, userId, wantContent)));
  }

  /**
   * The same write inside a transaction the caller holds (chats.batch-writer.ts: many chats in one).
   * It still locks the chat row first; the caller keeps writes to one chat in order.
   */
  async writeIn(trx: Transaction<ChatsDatabase>, chatId: string, up: MessageUpsert, userId?: string, wantContent = true): Promise<WriteResult | null> {
    const overlay = this.repo.overlay;
    const head = await overlay.lockChat(trx, chatId);
    if (!head || (userId !== undefined && head.user_id !== userId)) return null;
    const now = Math.floor(Date.now() / 1000);
    const { own, latest } = await overlay.writeState(trx, chatId, up.messageId);
    const prev = own ? parseOp(own.op) : undefined;
    // The leaf before this write: what the latest overlay write left, or (no rows yet) whatever
    // the document names, decided when the rows are replayed.
    const leafBefore = latest ? leafAfter(latest.message_id, latest.message_id === up.messageId && prev ? prev : parseOp(latest.op)) : STORED_LEAF;
    // A first write with no parent given hangs under the current leaf.
    const parentId = up.parentId !== undefined ? up.parentId : isStoredLeaf(leafBefore) ? undefined : leafBefore;
    let op: OverlayOp = composeOp(prev, up, now, parentId, leafBefore);
    let content = knownContent(op);
    if (content === undefined && (wantContent || op.append)) {
      // Appends or fields only: the content so far is in the stored document. Its stored value is
      // pinned into the row, which is sound because the document only changes by folding (or
      // dropping) the rows, and keeps the next appends free of reading the document.
      const doc = await this.repo.storedDoc(trx, chatId);
      const node = doc ? storedNode(doc.chat, up.messageId) : null;
      const stored = node ? getOwn(node, 'content') : '';
      // (A stored node without content, given fields only, stays as it is: nothing to pin.)
      if (stored !== undefined || op.append) op = { ...op, content: stored ?? '' };
      content = knownContent(op) ?? '';
    }
    content ??= '';
    const seq = Number(latest?.last_seq ?? 0) + 1;
    const text = JSON.stringify(op);
    if (own) await overlay.update(trx, chatId, up.messageId, seq, text, now);
    else await overlay.insert(trx, chatId, up.messageId, seq, text, now);
    const size = await overlay.size(trx, chatId);
    return { content, ...size };
  }
}


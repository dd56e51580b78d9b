import type { MessageUpsert } from './chats.history.js';
import { KeyedLock, MessageWriter, type WriteResult } from './chats.message-writer.js';
import type { ChatsService } from './chats.service.js';

export interface BatchedWrite {
  chatId: string;
  up: MessageUpsert;
  userId?: string;
}

/**
 * Writes messages of many chats in ONE transaction, each exactly as `ChatsService.upsertAssistantMessage`
 * would (the same MessageWriter steps: lock the chat row, read the overlay state, write the row). The
 * periodic saves of a thousand growing socket replies are ~2,000 writes a second; one transaction per
 * batch spares each write its own begin/commit (on SQLite its own WAL append) and transaction set-up.
 *
 * Each write is MessageWriter.writeIn inside the batch's transaction. Chats are written in id order, so
 * two instances batching overlapping chats on PostgreSQL take the row locks in the same order (no
 * deadlock). A write that fails rolls the whole batch back: the caller retries its items one by one.
 */
export async function writeMessagesBatch(svc: ChatsService, items: readonly BatchedWrite[]): Promise<Array<string | null>> {
  const order = items.map((item, i) => ({ item, i })).sort((a, b) => (a.item.chatId < b.item.chatId ? -1 : a.item.chatId > b.item.chatId ? 1 : a.i - b.i));
  const results: Array<WriteResult | null> = items.map(() => null);
  await svc.repo.k.transaction().execute(async (trx) => {
    // Inside one transaction the writes already run one after the other: the writer's lock is unused.
    const writer = new MessageWriter(svc.repo, new KeyedLock());
    for (const { item, i } of order) results[i] = await writer.writeIn(trx, item.chatId, item.up, item.userId);
  });
  // After the commit, as upsertAssistantMessage does after its own.
  return items.map((item, i) => {
    const r = results[i];
    if (!r) return null;
    svc.compactor.written(item.chatId, r);
    return r.content;
  });
}

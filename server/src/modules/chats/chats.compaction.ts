import { InProcessQueue } from '../../jobs/job-queue.js';
import type { KeyedLock } from './chats.message-writer.js';
import { mergeOverlay } from './chats.overlay-merge.js';
import type { ChatsRepository } from './chats.repository.js';

export interface CompactionBounds {
  /** Fold a chat's overlay once it holds this many rows... */
  maxRows: number;
  /** ...or this many bytes of row text. */
  maxBytes: number;
  /** Fold a chat whose last write is this old (ms)... */
  idleMs: number;
  /**
   * ...unless its stored document is at least this big (bytes): such a chat is folded past the
   * bounds above only. Folding rewrites the document (~200 ms of CPU for 30 MB), and a person's
   * next message comes more than 30 s later, so idle folds would cost every message that much,
   * while merging the rows on a read costs a few ms.
   */
  idleMaxDocBytes?: number;
}

export const DEFAULT_BOUNDS: CompactionBounds = { maxRows: 64, maxBytes: 1 << 20, idleMs: 30_000, idleMaxDocBytes: 4 << 20 };

/** How many chats the compactor remembers as too big for idle folds (a bound on its memory). */
const MAX_BIG_REMEMBERED = 10_000;

/**
 * Folds overlay rows into the stored document: in one transaction (holding the chat row's lock, like
 * the writers) read the document and the rows, store the merged document and delete the rows. A
 * process that dies anywhere in between leaves either the rows or the document that holds them,
 * never neither. Runs as background jobs (jobs/job-queue.ts, one at a time, deduplicated per chat):
 * when a chat's overlay passes a bound, when it has been idle for a while, and for the chats left
 * with rows at start-up. The folding write is the one big write a chat pays, once per bound.
 */
export class OverlayCompactor {
  readonly #queue: InProcessQueue;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Chats found too big to fold for idleness (their next idle timer is not even started). */
  readonly #big = new Set<string>();
  #closed = false;

  constructor(
    private readonly repo: ChatsRepository,
    private readonly lock: KeyedLock,
    readonly bounds: CompactionBounds = DEFAULT_BOUNDS,
  ) {
    // A failed fold (database closing, a broken document) leaves the rows: readers merge them still.
    this.#queue = new InProcessQueue(1, () => {});
    this.#queue.define('chats.compact', async (data) => void (await this.compact(String(data.chatId), data.idle === true)));
    const startup = setTimeout(() => void this.#sweep(), bounds.idleMs);
    startup.unref();
    this.#timers.set('\0startup', startup);
  }

  /** After a write: fold now past a bound, else once the chat has been idle. */
  written(chatId: string, size: { rows: number; bytes: number }): void {
    if (this.#closed) return;
    clearTimeout(this.#timers.get(chatId));
    this.#timers.delete(chatId);
    if (this.#pastBounds(size)) return this.#enqueue(chatId);
    if (this.#big.has(chatId)) return;
    const t = setTimeout(() => {
      this.#timers.delete(chatId);
      this.#enqueue(chatId, true);
    }, this.bounds.idleMs);
    t.unref();
    this.#timers.set(chatId, t);
  }

  /**
   * Folds the chat's rows into its document; false when there was nothing to fold. `idle`: only
   * when the document is small or the rows are past the bounds (see `idleMaxDocBytes`).
   */
  compact(chatId: string, idle = false): Promise<boolean> {
    return this.lock.run(chatId, () =>
      this.repo.k.transaction().execute(async (trx) => {
        if (!(await this.repo.overlay.lockChat(trx, chatId))) return false;
        const rows = await this.repo.overlay.rowsOf(trx, chatId);
        if (rows.length === 0) return false;
        const limit = this.bounds.idleMaxDocBytes;
        if (idle && limit !== undefined && !this.#pastBounds({ rows: rows.length, bytes: rows.reduce((n, r) => n + r.op.length, 0) })) {
          if (((await this.repo.overlay.docBytes(trx, chatId)) ?? 0) >= limit) {
            if (this.#big.size >= MAX_BIG_REMEMBERED) this.#big.clear();
            this.#big.add(chatId);
            return false;
          }
        }
        const doc = await this.repo.storedDoc(trx, chatId);
        if (!doc) return false;
        // Writes may have left the row's updated_at behind (MessageWriter.#shouldTouch): store the latest.
        const latest = Math.max(doc.updated_at, ...rows.map((r) => Number(r.updated_at ?? 0)));
        await this.repo.replaceDoc(trx, chatId, mergeOverlay(doc.chat, rows), latest > doc.updated_at ? { updated_at: latest } : {});
        return true;
      }),
    );
  }

  /** Resolves when no fold is running or waiting (tests). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await this.#queue.close();
  }

  #pastBounds(size: { rows: number; bytes: number }): boolean {
    return size.rows >= this.bounds.maxRows || size.bytes >= this.bounds.maxBytes;
  }

  #enqueue(chatId: string, idle = false): void {
    if (!this.#closed) void this.#queue.enqueue('chats.compact', { chatId, idle }, { jobId: chatId });
  }

  async #sweep(): Promise<void> {
    this.#timers.delete('\0startup');
    try {
      for (const id of await this.repo.overlay.chatIds(this.repo.k)) this.#enqueue(id);
    } catch {
      // database gone (shutting down); the next start sweeps again
    }
  }
}

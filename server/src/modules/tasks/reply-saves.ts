import type { MessageUpsert } from '../chats/chats.history.js';

/** How often a growing reply is written to the database; the final state is always written. */
export const SAVE_INTERVAL_MS = 500;
/**
 * Writes per transaction. Kysely's SQLite queries resolve without yielding to the event loop, so one
 * transaction runs as one block of ~150 us per write: ten keep that block near 1.5 ms (socket events
 * wait behind it), and the batches of one interval are separated by a turn of the event loop.
 */
const BATCH_MAX = 10;

export interface ReplySave {
  chatId: string;
  up: MessageUpsert;
  userId: string;
}

export interface ReplySaveWriters {
  /** Writes every item in one transaction (chats.batch-writer.ts); throws when any of them fails. */
  many(items: ReplySave[]): Promise<unknown>;
  /** Writes one item on its own (the fallback once a batch failed). */
  one(item: ReplySave): Promise<unknown>;
  log: { warn(obj: object, msg: string): void };
}

/**
 * The periodic saves of every socket reply this instance generates, on one timer: a reply marks
 * itself dirty on each delta, and every SAVE_INTERVAL_MS the latest state of each dirty reply is
 * written, BATCH_MAX to a transaction. With a thousand replies streaming that is ~200 commits a
 * second instead of ~2,000. A reply still loses at most the last interval (plus the
 * batch's own write time) if the process dies; its final state is written by the reply itself, after
 * `settle`. Batches never overlap, so a reply's writes land in order.
 */
export class ReplySaves {
  #dirty = new Map<object, () => ReplySave>();
  #timer: NodeJS.Timeout | null = null;
  #inflight: Promise<void> = Promise.resolve();

  constructor(
    private readonly writers: ReplySaveWriters,
    private readonly intervalMs = SAVE_INTERVAL_MS,
  ) {}

  /** Marks a reply dirty; `snapshot` is called when the batch is written, so it stores the latest text. */
  schedule(key: object, snapshot: () => ReplySave): void {
    this.#dirty.set(key, snapshot);
    this.#arm();
  }

  /** Drops the reply's pending save and waits for a batch that holds it: its final write comes next. */
  async settle(key: object): Promise<void> {
    this.#dirty.delete(key);
    await this.#inflight;
  }

  #arm(): void {
    if (this.#timer || !this.#dirty.size) return;
    this.#timer = setTimeout(() => void this.#tick(), this.intervalMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    await this.#inflight;
    this.#timer = null;
    const items = [...this.#dirty.values()].map((snapshot) => snapshot());
    this.#dirty.clear();
    const run = this.#write(items);
    this.#inflight = run;
    await run;
    this.#arm();
  }

  async #write(items: ReplySave[]): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH_MAX) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const part = items.slice(i, i + BATCH_MAX);
      try {
        await this.writers.many(part);
      } catch {
        // One bad write rolled the batch back: write each on its own so the others are not lost.
        for (const item of part) {
          await this.writers.one(item).catch((err: unknown) => this.writers.log.warn({ chatId: item.chatId, err: err instanceof Error ? err.message : String(err) }, 'saving a streamed reply failed'));
        }
      }
    }
  }
}

import type { Db } from '../../db/database.js';

/** Stored as the reply's error when generation was cut by a shutdown or a crash. */
export const INTERRUPTED_TEXT = 'Response interrupted: the server stopped before the reply was complete. Please regenerate it.';

const HEARTBEAT_MS = 10_000;
/** A row whose instance has not renewed it for this long belongs to a dead process. */
export const STALE_SECONDS = 45;

export interface OrphanReply {
  chat_id: string;
  message_id: string;
  user_id: string;
}

const nowSec = () => Math.floor(Date.now() / 1000);

/**
 * The `reply_inflight` table (migration 004-security): which socket-delivered replies this instance is
 * generating. Rows are renewed every 10 s and removed when a reply ends, so rows left behind are replies
 * whose process died; `takeOrphans` claims them (delete-then-mark, so two instances never both do it).
 */
export class ReplyJournal {
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    readonly instance: string,
  ) {}

  async begin(r: OrphanReply): Promise<void> {
    const row = { ...r, instance: this.instance, heartbeat_at: nowSec() };
    await this.db.kysely
      .insertInto('reply_inflight')
      .values(row)
      .onConflict((oc) => oc.columns(['chat_id', 'message_id']).doUpdateSet({ instance: row.instance, heartbeat_at: row.heartbeat_at, user_id: row.user_id }))
      .execute();
  }

  async end(chatId: string, messageId: string): Promise<void> {
    await this.db.kysely.deleteFrom('reply_inflight').where('chat_id', '=', chatId).where('message_id', '=', messageId).where('instance', '=', this.instance).execute();
  }

  /** Renews this instance's rows periodically (one UPDATE per period, whatever the number of replies). */
  startHeartbeat(): void {
    this.#timer = setInterval(() => {
      void this.db.kysely.updateTable('reply_inflight').set({ heartbeat_at: nowSec() }).where('instance', '=', this.instance).execute().catch(() => undefined);
    }, HEARTBEAT_MS);
    this.#timer.unref();
  }

  stopHeartbeat(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * Rows of dead processes: every row not ours when `all` (a single-process deployment: whatever is left
   * was written by the previous run), else rows whose heartbeat is stale. Each returned row is deleted.
   */
  async takeOrphans(all: boolean): Promise<OrphanReply[]> {
    let q = this.db.kysely.selectFrom('reply_inflight').select(['chat_id', 'message_id', 'user_id', 'instance', 'heartbeat_at']).where('instance', '!=', this.instance);
    if (!all) q = q.where('heartbeat_at', '<', nowSec() - STALE_SECONDS);
    const rows = await q.limit(500).execute();
    const taken: OrphanReply[] = [];
    for (const r of rows) {
      const res = await this.db.kysely
        .deleteFrom('reply_inflight')
        .where('chat_id', '=', r.chat_id)
        .where('message_id', '=', r.message_id)
        .where('instance', '=', r.instance)
        .where('heartbeat_at', '=', r.heartbeat_at)
        .executeTakeFirst();
      if (Number(res.numDeletedRows) > 0) taken.push({ chat_id: r.chat_id, message_id: r.message_id, user_id: r.user_id });
    }
    return taken;
  }
}

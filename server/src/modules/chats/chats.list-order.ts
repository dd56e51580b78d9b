import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { OverlayRepository } from './chats.overlay.repository.js';
import type { ChatsDatabase, ListWindow } from './chats.repository.js';

type Dated = { id: string; updated_at: number };

/**
 * A list window ordered by each chat's date, where a chat's date is its row's `updated_at` or, when
 * newer, its latest overlay write (message writes leave the row alone: on SQLite moving a column of
 * a 30 MB row rewrites all of it). Chats with overlay rows are few (a chat is folded 30 s after its
 * last write), so: read them apart, read the window by the row's date widened by their number, and
 * merge. Any chat in the true window is in one of the two reads, in either direction. Without such
 * chats (the common case) it is the plain query with its limit and offset.
 */
export async function byChatDate<T extends Dated>(
  k: Kysely<ChatsDatabase>,
  overlay: OverlayRepository,
  q: SelectQueryBuilder<ChatsDatabase, 'chat', T>,
  window: ListWindow,
  opts: { direction?: 'asc' | 'desc'; tieById?: boolean } = {},
  /** The rows of `q` that have overlay rows, when the caller has read them already. */
  overlaid?: readonly T[],
): Promise<T[]> {
  const direction = opts.direction ?? 'desc';
  const ordered = (b: SelectQueryBuilder<ChatsDatabase, 'chat', T>) => {
    const o = b.orderBy('updated_at', direction);
    return opts.tieById ? o.orderBy('id', 'asc') : o;
  };
  const withRows = overlaid ?? (await q.where('id', 'in', (eb) => eb.selectFrom('chat_message_overlay').select('chat_message_overlay.chat_id')).execute());
  const skip = window.skip ?? 0;
  if (withRows.length === 0) {
    let plain = ordered(q);
    if (window.limit !== undefined) plain = plain.limit(window.limit).offset(skip);
    return plain.execute();
  }
  const latest = await overlay.latestWrites(k, withRows.map((r) => r.id));
  const fresh = new Map(withRows.map((r) => [r.id, { ...r, updated_at: Math.max(Number(r.updated_at), latest.get(r.id) ?? 0) }]));
  let wide = ordered(q);
  if (window.limit !== undefined) wide = wide.limit(skip + window.limit + withRows.length);
  const merged = [...(await wide.execute()).filter((r) => !fresh.has(r.id)), ...fresh.values()];
  const sign = direction === 'desc' ? -1 : 1;
  // Stable sort: ties keep the database's order, as the plain query's would.
  merged.sort((a, b) => sign * (Number(a.updated_at) - Number(b.updated_at)) || (opts.tieById ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : 0));
  return window.limit === undefined ? merged.slice(skip) : merged.slice(skip, skip + window.limit);
}

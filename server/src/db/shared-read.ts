import type { Db } from './database.js';

/**
 * Reads that many requests make and that rarely change (the model records and the groups behind the
 * model access rule and the permissions), shared per database instead of a query and a JSON parse of
 * every row per request.
 *
 * On SQLite a read is kept until `Db.changeStamp` moves (exact: any write, by any connection or
 * process, makes the next call read again). Where there is no stamp (PostgreSQL, or a transaction open
 * on SQLite's connection) it is kept for at most TTL_MS, so what another instance on the same PostgreSQL
 * changed is seen within that; writes made through this process call `sharedReadChanged`, so the next
 * read here is fresh at once (`ttlMs: 0`: without a stamp, read every time). Callers share the value:
 * read it, never change it.
 */
const TTL_MS = 1000;

interface Entry {
  at: number;
  stamp: number | null;
  value: Promise<unknown>;
}

const byDb = new WeakMap<Db, Map<string, Entry>>();

export function sharedRead<T>(db: Db, key: string, load: () => Promise<T>, ttlMs = TTL_MS): Promise<T> {
  let entries = byDb.get(db);
  if (!entries) byDb.set(db, (entries = new Map()));
  const now = performance.now();
  const stamp = db.changeStamp?.() ?? null;
  const hit = entries.get(key);
  if (hit && (stamp !== null ? stamp === hit.stamp : now - hit.at < ttlMs)) return hit.value as Promise<T>;
  const next: Entry = { at: now, stamp, value: load() };
  entries.set(key, next);
  // A failed read is not remembered.
  next.value.catch(() => {
    if (entries.get(key) === next) entries.delete(key);
  });
  return next.value as Promise<T>;
}

/** Drops the shared read `key` of this database (after a write through this process). */
export function sharedReadChanged(db: Db, key: string): void {
  byDb.get(db)?.delete(key);
}

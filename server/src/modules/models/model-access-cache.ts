/**
 * What the model access rule reads on every generation request (the whole `model` table and the
 * groups), kept per database for a short time instead of two queries and a JSON parse of every
 * record per request. Writes through ModelRecordsRepository / GroupsRepository in this process call
 * `modelAccessChanged` so the next request reads again; a change made by another instance (shared
 * PostgreSQL) is seen within TTL_MS.
 */
import type { ModelRecord } from '@owui/contracts';
import type { Db } from '../../db/database.js';

const TTL_MS = 1000;

interface Snapshot {
  at: number;
  records: Promise<ReadonlyMap<string, ModelRecord>>;
  groups: Promise<ReadonlyArray<{ id: string; user_ids: readonly string[] }>>;
}

const snapshots = new WeakMap<Db, Snapshot>();

/** Drops what is cached for this database (called after every model record or group write). */
export function modelAccessChanged(db: Db): void {
  snapshots.delete(db);
}

export function accessSnapshot(
  db: Db,
  load: { records: () => Promise<ModelRecord[]>; groups: () => Promise<ReadonlyArray<{ id: string; user_ids: readonly string[] }>> },
): Snapshot {
  const now = performance.now();
  const s = snapshots.get(db);
  if (s && now - s.at < TTL_MS) return s;
  const next: Snapshot = {
    at: now,
    records: load.records().then((rs) => new Map(rs.map((r) => [r.id, r]))),
    groups: load.groups(),
  };
  // A failed read is not remembered.
  const drop = () => {
    if (snapshots.get(db) === next) snapshots.delete(db);
  };
  next.records.catch(drop);
  next.groups.catch(drop);
  snapshots.set(db, next);
  return next;
}

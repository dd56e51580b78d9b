import fs from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { rangeFor } from './ranges/index.js';
import { ALEMBIC_REVISIONS, OLDEST_SUPPORTED_RELEASE, revisionIndex } from './revisions.js';
import type { SchemaRange } from './types.js';

/** A database we will not adopt; the message is the one line printed before exiting with 1. */
export class AdoptRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdoptRefusal';
  }
}

export type Inspection =
  | { kind: 'missing' }
  /** Ours (already adopted, or never Open WebUI's) or empty: nothing to do. */
  | { kind: 'ours' }
  | { kind: 'openwebui'; revision: string; release: string; range: SchemaRange };

/**
 * Opens a database file read-only (the file is never written by an inspection, even on refusal)
 * and says whose it is. Open WebUI's carry `alembic_version` (0.3.8+) or only peewee's
 * `migratehistory` (older); ours carry Kysely's `kysely_migration`.
 */
export async function inspectSqlite(file: string): Promise<{ inspection: Inspection; db: BetterSqlite3.Database | null }> {
  if (!fs.existsSync(file) || fs.statSync(file).size === 0) return { inspection: { kind: 'missing' }, db: null };
  const { default: SQLite } = await import('better-sqlite3');
  // Opening a WAL database creates empty -wal/-shm files when there were none; a refusal removes them
  // again, so a refused directory is left exactly as it was found.
  const sidecars = ['-wal', '-shm'].map((s) => file + s).filter((f) => !fs.existsSync(f));
  const tidy = () => {
    for (const f of sidecars) if (fs.existsSync(f) && (f.endsWith('-shm') || fs.statSync(f).size === 0)) fs.rmSync(f, { force: true });
  };
  let db: BetterSqlite3.Database;
  let tables: Set<string>;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true, timeout: 2000 });
    tables = new Set((db.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[]).map((r) => r.name));
  } catch (err) {
    tidy();
    throw refusalFor(file, err);
  }
  try {
    const inspection = await classify(
      file,
      tables,
      async () => (db.prepare(`select version_num from alembic_version`).all() as { version_num: string }[]).map((r) => r.version_num),
      async () => (db.prepare(`select name from migratehistory order by id desc limit 1`).get() as { name?: string } | undefined)?.name ?? 'none',
    );
    if (inspection.kind !== 'openwebui') {
      db.close();
      return { inspection, db: null };
    }
    // A damaged file is refused before anything is copied out of it.
    const check = db.prepare(`pragma quick_check`).all() as { quick_check: string }[];
    if (check.length !== 1 || check[0]!.quick_check !== 'ok') {
      throw new AdoptRefusal(`${file} is damaged (${check[0]?.quick_check ?? 'integrity check failed'}); restore it from a backup, or repair it with sqlite3's .recover.`);
    }
    return { inspection, db };
  } catch (err) {
    db.close();
    tidy();
    throw err instanceof AdoptRefusal ? err : refusalFor(file, err);
  }
}

/**
 * Whose database this is, from its table names and (for Open WebUI's) its alembic head; throws the
 * refusal for heads we do not know or do not map. Shared by the SQLite and PostgreSQL paths.
 */
export async function classify(
  label: string,
  tables: Set<string>,
  heads: () => Promise<string[]>,
  lastPeewee: () => Promise<string>,
): Promise<Inspection> {
  if (tables.has('kysely_migration') || (!tables.has('alembic_version') && !tables.has('migratehistory'))) return { kind: 'ours' };
  if (!tables.has('alembic_version')) {
    throw new AdoptRefusal(
      `${label} is from Open WebUI older than 0.3.8 (last migration ${await lastPeewee()}); start Open WebUI ${OLDEST_SUPPORTED_RELEASE} on it once to upgrade it, then start this server again.`,
    );
  }
  const all = await heads();
  if (all.length === 0) throw new AdoptRefusal(`${label} has an empty alembic_version table; start Open WebUI on it once so it records its schema revision.`);
  const unknown = all.find((h) => revisionIndex(h) < 0);
  if (unknown) {
    const newest = ALEMBIC_REVISIONS.at(-1)!;
    throw new AdoptRefusal(
      `${label} has Open WebUI schema revision ${unknown}, newer than this version knows (up to ${newest[0]}, Open WebUI ${newest[1]}); upgrade this server, or restore a database of Open WebUI ${newest[1]} or older.`,
    );
  }
  const head = all.reduce((a, b) => (revisionIndex(b) > revisionIndex(a) ? b : a));
  const release = ALEMBIC_REVISIONS[revisionIndex(head)]![1];
  const range = rangeFor(head);
  if (!range) {
    throw new AdoptRefusal(
      `${label} is from Open WebUI ${release} (revision ${head}), older than ${OLDEST_SUPPORTED_RELEASE}; start Open WebUI ${OLDEST_SUPPORTED_RELEASE} or newer on it once to upgrade it, then start this server again.`,
    );
  }
  return { kind: 'openwebui', revision: head, release, range };
}

function refusalFor(file: string, err: unknown): AdoptRefusal {
  const e = err as { code?: string; message?: string };
  if (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED') return lockedRefusal(file);
  if (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT' || e.code?.startsWith('SQLITE_CORRUPT')) {
    return new AdoptRefusal(`${file} is not a readable SQLite database (${e.message}); restore it from a backup.`);
  }
  return new AdoptRefusal(`${file} cannot be read: ${e.message ?? String(err)}`);
}

export function lockedRefusal(file: string): AdoptRefusal {
  return new AdoptRefusal(`${file} is in use by another process (a running Open WebUI?); stop it, then start this server again.`);
}

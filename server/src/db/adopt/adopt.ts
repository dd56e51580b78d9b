import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Config } from '../../config/env.js';
import { openDatabase, sqlitePath, type Db } from '../database.js';
import { migrateToLatest } from '../migrate.js';
import { AdoptRefusal, inspectSqlite, lockedRefusal, type Inspection } from './inspect.js';
import type { AdoptionReport } from './report.js';

type OpenWebUI = Extract<Inspection, { kind: 'openwebui' }>;

/** `webui.db.openwebui-2026-12-01T09-47-23Z.bak`, next to the database. */
export function backupPath(file: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return `${file}.openwebui-${stamp}.bak`;
}

/**
 * Start-up step: when the configured SQLite file is an Open WebUI database, adopt it in place.
 * 1. Inspect it read-only (refusals leave it untouched: newer revision, too old, damaged, in use).
 * 2. Take an exclusive lock (fails while any other process, e.g. a running Open WebUI, has it open)
 *    and write an online backup next to it: SQLite's backup API reads through the connection, so
 *    pages still only in `-wal` are in the copy.
 * 3. Build our schema in a new file from the backup, then rename it over the original. Until that
 *    rename nothing of ours is visible, so a crash midway leaves the original as it was.
 * A later start finds our schema and does nothing.
 */
export async function adoptOnStart(config: Config): Promise<AdoptionReport | null> {
  if (config.database.dialect !== 'sqlite') return (await import('./adopt-postgres.js')).adoptPostgresOnStart(config);
  const file = sqlitePath(config.database.url);
  const { inspection, db: readonly } = await inspectSqlite(file);
  if (inspection.kind !== 'openwebui') return null;
  readonly!.close();

  const { default: SQLite } = await import('better-sqlite3');
  const live = new SQLite(file, { timeout: 0 });
  const backup = backupPath(file);
  const building = `${file}.adopting`;
  let backedUp = false;
  try {
    try {
      live.pragma('locking_mode = EXCLUSIVE');
      live.exec('BEGIN EXCLUSIVE');
      live.exec('COMMIT');
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' ? lockedRefusal(file) : err;
    }
    await live.backup(backup);
    backedUp = true;
    // The copy inherits WAL mode from the header; made a plain single file, it stays one file.
    const copy = new SQLite(backup);
    copy.pragma('journal_mode = DELETE');
    copy.close();

    removeDatabaseFiles(building);
    const report = await buildFrom(backup, { ...config.database, url: `sqlite:///${building}` }, inspection, file);
    report.backup = backup;

    // Fold the WAL into the original before letting go, so no stale -wal sits next to the new file.
    live.pragma('wal_checkpoint(TRUNCATE)');
    live.close();
    for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
    fs.renameSync(building, file);
    report.notes.push(...uploadsNote(path.dirname(file)));
    return report;
  } catch (err) {
    if (live.open) live.close();
    removeDatabaseFiles(building);
    // A backup cut short (disk full...) is useless; a complete one stays, whatever failed after it.
    if (!backedUp) removeDatabaseFiles(backup);
    throw err;
  }
}

/**
 * `open-webui import <dir>`: carries an Open WebUI data directory (or a `webui.db` file) into the
 * configured database, which may be SQLite or PostgreSQL, empty or already in use. The source is only
 * read, inside one read transaction (one consistent snapshot). Rows already present are left as
 * they are, so importing twice, or a backup after new mappings were added, only adds what is missing.
 */
export async function importFrom(config: Config, from: string): Promise<AdoptionReport> {
  const file = fs.existsSync(from) && fs.statSync(from).isDirectory() ? path.join(from, 'webui.db') : from;
  const { inspection, db } = await inspectSqlite(file);
  if (inspection.kind === 'missing') throw new AdoptRefusal(`${file} does not exist or is empty.`);
  if (inspection.kind === 'ours') throw new AdoptRefusal(`${file} is not an Open WebUI database (no alembic_version table).`);
  if (config.database.dialect === 'sqlite') {
    const target = sqlitePath(config.database.url);
    if (path.resolve(target) === path.resolve(file)) throw new AdoptRefusal(`${file} is the configured database itself; start 'open-webui serve' to adopt it in place.`);
    const t = await inspectSqlite(target);
    t.db?.close();
    if (t.inspection.kind === 'openwebui') throw new AdoptRefusal(`${target} is itself an Open WebUI database; start 'open-webui serve' on it first to adopt it.`);
  }
  try {
    const target = await openDatabase(config.database);
    try {
      await migrateToLatest(target);
      const report = await carryInto(db!, target, inspection, file);
      report.notes.push(...carrySecretKey(config, path.dirname(file)), ...uploadsNote(path.dirname(file)));
      return report;
    } finally {
      await target.close();
    }
  } finally {
    db!.close();
  }
}

async function buildFrom(sourceFile: string, database: Config['database'], inspection: OpenWebUI, shownAs: string): Promise<AdoptionReport> {
  const { default: SQLite } = await import('better-sqlite3');
  const src = new SQLite(sourceFile, { readonly: true, fileMustExist: true });
  try {
    const target = await openDatabase(database);
    try {
      await migrateToLatest(target);
      return await carryInto(src, target, inspection, shownAs);
    } finally {
      await target.close();
    }
  } finally {
    src.close();
  }
}

async function carryInto(src: BetterSqlite3.Database, target: Db, inspection: OpenWebUI, shownAs: string): Promise<AdoptionReport> {
  src.exec('BEGIN');
  try {
    // The table mappings are loaded only when there is something to adopt (not at every start).
    const [{ carry }, { SqliteSource }] = await Promise.all([import('./carry.js'), import('./source.js')]);
    const result = await carry(new SqliteSource(src), target, inspection.range);
    return {
      source: { file: shownAs, release: inspection.release, revision: inspection.revision, range: inspection.range.id },
      backup: null,
      result,
      notes: [],
    };
  } finally {
    src.exec('COMMIT');
  }
}

/** Old sessions stay valid only with the old signing key: bring `.webui_secret_key` along. */
function carrySecretKey(config: Config, fromDir: string): string[] {
  const from = path.join(fromDir, '.webui_secret_key');
  if (!fs.existsSync(from)) return [];
  if (config.webui.secretKey) return ['WEBUI_SECRET_KEY is set, so the source .webui_secret_key was not used: sessions signed with it only stay valid if both are the same.'];
  const to = path.join(config.paths.dataDir, '.webui_secret_key');
  if (path.resolve(from) === path.resolve(to)) return [];
  if (fs.existsSync(to)) {
    const same = fs.readFileSync(to, 'utf8').trim() === fs.readFileSync(from, 'utf8').trim();
    return same ? [] : [`${to} differs from ${from}: sessions issued by Open WebUI are not valid here (replace the file to keep them).`];
  }
  fs.mkdirSync(config.paths.dataDir, { recursive: true });
  fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
  fs.chmodSync(to, 0o600);
  return [`Copied ${from} to ${to}, so sessions issued by Open WebUI stay valid.`];
}

/** Uploaded files stay where they are; their `file` rows are among the tables reported above. */
function uploadsNote(dataDir: string): string[] {
  const dir = path.join(dataDir, 'uploads');
  if (!fs.existsSync(dir)) return [];
  const n = fs.readdirSync(dir).length;
  return n ? [`${dir}: ${n} entries left in place (uploaded files are not carried yet; their rows are in table file).`] : [];
}

function removeDatabaseFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../../config/env.js';
import { sqlitePath } from '../../db/database.js';
import { VERSION } from '../../version.js';

/**
 * `open-webui backup [--out DIR]` and `open-webui restore DIR [--force]`.
 *
 * Backup is safe while the server runs: the SQLite database is copied with SQLite's online backup API
 * (a consistent snapshot, WAL included, no lock held for long), then the uploads folder and the secret
 * key file are copied. For PostgreSQL the database is the operator's `pg_dump` (printed, with the
 * password masked); the files are still copied. Restore wants the server stopped: it puts the current
 * database and uploads aside (`*.before-restore-<time>`) and copies the backup in.
 */
export const BACKUP_USAGE = `Usage: open-webui backup [--out DIR]
       open-webui restore DIR [--force]

backup   copies the SQLite database (online, consistent), DATA_DIR/uploads and .webui_secret_key into DIR
         (default ./open-webui-backup-<date>-<time>); for PostgreSQL it prints the pg_dump command to run.
restore  stop the server first; puts the current database and uploads aside and copies DIR back.`;

const MANIFEST = 'manifest.json';
type Out = (s: string) => void;

interface Manifest {
  format: 1;
  version: string;
  created_at: string;
  database: 'sqlite' | 'postgres';
  files: string[];
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

function maskedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgresql://...';
  }
}

function copyDir(from: string, to: string): number {
  if (!fs.existsSync(from)) return 0;
  fs.cpSync(from, to, { recursive: true, errorOnExist: false, force: true });
  let n = 0;
  for (const e of fs.readdirSync(to, { recursive: true, withFileTypes: true })) if (e.isFile()) n += 1;
  return n;
}

export async function runBackup(config: Config, argv: string[], out: Out = console.log): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return out(BACKUP_USAGE), 0;
  const dest = path.resolve(values.out ?? `open-webui-backup-${stamp()}`);
  if (fs.existsSync(dest) && fs.readdirSync(dest).length) {
    console.error(`open-webui backup: '${dest}' exists and is not empty; choose another --out.`);
    return 1;
  }
  fs.mkdirSync(dest, { recursive: true, mode: 0o700 });
  const dataDir = config.paths.dataDir;
  const files: string[] = [];

  if (config.database.dialect === 'sqlite') {
    const file = sqlitePath(config.database.url);
    if (!fs.existsSync(file)) {
      console.error(`open-webui backup: no database at '${file}' (DATA_DIR / DATABASE_URL); nothing to back up.`);
      return 1;
    }
    const { default: SQLite } = await import('better-sqlite3');
    const db = new SQLite(file, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      await db.backup(path.join(dest, 'webui.db'));
    } finally {
      db.close();
    }
    files.push('webui.db');
    out(`database: ${file} -> ${path.join(dest, 'webui.db')}`);
  } else {
    out(`database: PostgreSQL is backed up with its own tool; run (it prompts for nothing if the URL has the password):`);
    out(`  pg_dump --format=custom --file='${path.join(dest, 'webui.pgdump')}' '${maskedUrl(config.database.url)}'`);
    out(`  (restore with: pg_restore --clean --if-exists --no-owner --dbname='${maskedUrl(config.database.url)}' webui.pgdump)`);
  }

  const uploads = copyDir(path.join(dataDir, 'uploads'), path.join(dest, 'uploads'));
  if (uploads) files.push('uploads/');
  out(`uploads: ${uploads} file(s) from ${path.join(dataDir, 'uploads')}`);
  const key = path.join(dataDir, '.webui_secret_key');
  if (fs.existsSync(key)) {
    fs.copyFileSync(key, path.join(dest, '.webui_secret_key'));
    fs.chmodSync(path.join(dest, '.webui_secret_key'), 0o600);
    files.push('.webui_secret_key');
    out('secret key: .webui_secret_key copied (keep this backup private: it signs sessions)');
  }
  const manifest: Manifest = { format: 1, version: VERSION, created_at: new Date().toISOString(), database: config.database.dialect, files };
  fs.writeFileSync(path.join(dest, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  out(`Backup written to ${dest}`);
  return 0;
}

function readManifest(dir: string): Manifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
    return m && m.format === 1 ? m : null;
  } catch {
    return null;
  }
}

/** Moves `p` (and SQLite's -wal/-shm beside it) out of the way; returns where it went. */
function putAside(p: string, suffix: string): string | null {
  if (!fs.existsSync(p)) return null;
  const aside = `${p}.before-restore-${suffix}`;
  fs.renameSync(p, aside);
  for (const ext of ['-wal', '-shm']) if (fs.existsSync(p + ext)) fs.renameSync(p + ext, aside + ext);
  return aside;
}

export async function runRestore(config: Config, argv: string[], out: Out = console.log): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return out(BACKUP_USAGE), 0;
  const src = positionals[0] ? path.resolve(positionals[0]) : '';
  const manifest = src ? readManifest(src) : null;
  if (!manifest) {
    console.error(`open-webui restore: ${src ? `'${src}' is not a backup made by open-webui backup (no ${MANIFEST})` : 'name the backup folder'}.\n${BACKUP_USAGE}`);
    return 2;
  }
  const dataDir = config.paths.dataDir;
  const target = config.database.dialect === 'sqlite' ? sqlitePath(config.database.url) : '';
  if (!values.force && target && fs.existsSync(target)) {
    console.error(`open-webui restore: a database exists at '${target}'. Stop the server, then run again with --force (the current files are kept as *.before-restore-<time>).`);
    return 1;
  }
  const suffix = stamp();
  if (manifest.database === 'sqlite') {
    if (!target) {
      console.error('open-webui restore: this backup holds a SQLite database, but DATABASE_URL names PostgreSQL. Unset DATABASE_URL (or point it at a SQLite file) to restore it.');
      return 1;
    }
    const { default: SQLite } = await import('better-sqlite3');
    const check = new SQLite(path.join(src, 'webui.db'), { readonly: true, fileMustExist: true });
    const ok = check.pragma('integrity_check', { simple: true });
    check.close();
    if (ok !== 'ok') {
      console.error(`open-webui restore: the backup's database fails SQLite's integrity check (${String(ok)}); nothing was changed.`);
      return 1;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const aside = putAside(target, suffix);
    fs.copyFileSync(path.join(src, 'webui.db'), target);
    out(`database: restored to ${target}${aside ? ` (previous one kept as ${aside})` : ''}`);
  } else {
    out('database: this backup is from PostgreSQL; restore the pg_dump file with pg_restore (see the backup output).');
  }
  if (fs.existsSync(path.join(src, 'uploads'))) {
    const aside = putAside(path.join(dataDir, 'uploads'), suffix);
    const n = copyDir(path.join(src, 'uploads'), path.join(dataDir, 'uploads'));
    out(`uploads: ${n} file(s) restored${aside ? ` (previous folder kept as ${aside})` : ''}`);
  }
  const key = path.join(src, '.webui_secret_key');
  if (fs.existsSync(key)) {
    putAside(path.join(dataDir, '.webui_secret_key'), suffix);
    fs.copyFileSync(key, path.join(dataDir, '.webui_secret_key'));
    fs.chmodSync(path.join(dataDir, '.webui_secret_key'), 0o600);
    out('secret key: restored (existing sessions of the backup stay valid)');
  }
  out(`Restored from ${src} (made ${manifest.created_at} by version ${manifest.version}). Start the server: it migrates the database if needed.`);
  return 0;
}

/** Entries for the `backup` and `restore` verbs (see VERBS in server.ts). */
export function verbMain(run: typeof runBackup, name: string) {
  return async (argv: string[]): Promise<number> => {
    const { ConfigError, loadConfig } = await import('../../config/env.js');
    const { explainStartupError, isUsageError } = await import('../../startup-errors.js');
    let config: Config;
    try {
      config = loadConfig();
    } catch (err) {
      if (err instanceof ConfigError) return console.error(`open-webui: ${err.message}`), 1;
      throw err;
    }
    try {
      return await run(config, argv);
    } catch (err) {
      if (isUsageError(err)) return console.error(`open-webui ${name}: ${(err as Error).message}\n${BACKUP_USAGE}`), 2;
      console.error(`open-webui ${name}: ${explainStartupError(err, config)}`);
      return 1;
    }
  };
}

export const backupMain = verbMain(runBackup, 'backup');
export const restoreMain = verbMain(runRestore, 'restore');

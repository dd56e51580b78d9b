import os from 'node:os';
import path from 'node:path';
import type { Config } from './config/env.js';
import { sqlitePath } from './db/database.js';

/**
 * Turns a failure of the start-up steps (secret key, database, migrations) into one line that names
 * what to change: the variable, the host or path, and the OS user. Raw messages such as
 * "connect ECONNREFUSED" or "unable to open database file" say what broke, not where to fix it.
 */

type ErrLike = { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown; path?: unknown };

/** The error and its causes (migrations wrap the driver's error), innermost last. */
function chain(err: unknown): ErrLike[] {
  const out: ErrLike[] = [];
  for (let e = err as ErrLike | undefined, i = 0; e && typeof e === 'object' && i < 6; i++, e = e.cause as ErrLike | undefined) {
    out.push(e);
    if (Array.isArray(e.errors) && e.errors[0]) out.push(e.errors[0] as ErrLike);
  }
  return out;
}

const FS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC', 'EISDIR', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_PERM']);
const NET_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

function whoAmI(): string {
  try {
    const u = os.userInfo();
    return `user '${u.username}' (uid ${u.uid})`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** postgresql://user@host:port/db, without the password. */
function describePg(url: string): { safe: string; host: string; user: string; db: string } {
  try {
    const u = new URL(url);
    const host = `${u.hostname || 'localhost'}:${u.port || '5432'}`;
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username);
    return { safe: `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${host}/${db}`, host, user: decodeURIComponent(u.username), db };
  } catch {
    return { safe: 'postgresql://...', host: '?', user: '', db: '' };
  }
}

export function explainStartupError(err: unknown, config: Config): string {
  const errs = chain(err);
  const codes = errs.map((e) => (typeof e.code === 'string' ? e.code : ''));
  const inner = errs.at(-1);
  const reason = typeof inner?.message === 'string' && inner.message ? inner.message : String(err);

  if (config.database.dialect === 'postgres') {
    const pg = describePg(config.database.url);
    if (codes.includes('28P01') || codes.includes('28000')) {
      return `PostgreSQL at ${pg.host} refused user '${pg.user}' (${reason}). Check the user and password in DATABASE_URL.`;
    }
    if (codes.includes('3D000')) return `the database '${pg.db}' does not exist on ${pg.host} (${reason}). Create it (createdb ${pg.db}) or fix the name in DATABASE_URL.`;
    const net = codes.find((c) => NET_CODES.has(c)) ?? (/timeout exceeded when trying to connect|Connection terminated/i.test(reason) ? 'timeout' : '');
    if (net) {
      const hint = net === 'ENOTFOUND' || net === 'EAI_AGAIN' ? 'the host name does not resolve' : 'is PostgreSQL running there and reachable from this machine?';
      return `cannot reach the database at ${pg.host} named by DATABASE_URL (${pg.safe}): ${reason}. Check DATABASE_URL; ${hint}`;
    }
  }

  // A checkout installed with --ignore-scripts, or node_modules copied from another Node version.
  if (/Could not locate the bindings file|better_sqlite3\.node|NODE_MODULE_VERSION/.test(reason)) {
    return `the SQLite driver (better-sqlite3) is not built for this Node.js ${process.version}. Run \`npm rebuild better-sqlite3\` (it needs python3, make and a C++ compiler when no prebuilt binary fits).`;
  }

  const fsCode = codes.find((c) => FS_CODES.has(c));
  const sqliteOpen = /unable to open database file|Cannot open database|attempt to write a readonly database/i.test(reason);
  if (fsCode || sqliteOpen) {
    const dataDir = config.paths.dataDir;
    const dbFile = config.database.dialect === 'sqlite' ? sqlitePath(config.database.url) : '';
    const failedPath = errs.map((e) => (typeof e.path === 'string' ? e.path : '')).find(Boolean) ?? (sqliteOpen ? dbFile : '');
    // A SQLite file named by DATABASE_URL outside DATA_DIR is that variable's fault, not DATA_DIR's.
    const inDataDir = !failedPath || path.resolve(failedPath).startsWith(path.resolve(dataDir) + path.sep) || path.resolve(failedPath) === path.resolve(dataDir);
    const user = whoAmI();
    if (!inDataDir) return `the SQLite file '${failedPath}' named by DATABASE_URL is not usable by ${user}: ${reason}. Make its folder writable for this user or change DATABASE_URL.`;
    return `DATA_DIR '${dataDir}' is not writable by ${user}: ${reason}. Give this user the folder (chown -R ${user.split("'")[1] ?? 'USER'} '${dataDir}') or set DATA_DIR to a folder it may write.`;
  }
  return reason;
}

/** parseArgs' own errors (unknown option, missing value) are usage errors, not crashes. */
export function isUsageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

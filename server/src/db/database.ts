import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Config } from '../config/env.js';
import { SqliteBooleanPlugin } from './boolean-plugin.js';
import type { Database } from './tables.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** `SELECT 1`; throws when the database cannot answer. */
  ping(): Promise<void>;
  /**
   * SQLite only: a number that changes whenever anything may have been written to the database since
   * the last call, by this connection (every statement that is not read-only counts, committed or not)
   * or by any other connection or process (`PRAGMA data_version`, read at the first call of each turn
   * of the event loop: what another process commits is seen from the next turn on, as if the calls of
   * this turn had all been made at its first). Null while a transaction is open on this connection
   * (reads inside it may see uncommitted data). Lets a per-request read be remembered without serving a
   * row older than the turn. PostgreSQL has no such cheap, exact signal: undefined there.
   */
  changeStamp?: () => number | null;
  close(): Promise<void>;
}

export function sqlitePath(url: string): string {
  // sqlite:///abs/path.db (three slashes + absolute path) or sqlite:///relative.db like SQLAlchemy.
  const rest = url.replace(/^sqlite:\/\//, '');
  return rest.startsWith('//') ? rest.slice(1) : rest.startsWith('/') ? rest : path.resolve(rest);
}

type RawSqlite = import('better-sqlite3').Database;

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs several times what running a small
 * query does, and the same few statements serve every request. Reusing them is safe because Kysely
 * runs one query at a time on its single SQLite connection (its own mutex). Bounded, since `in (...)`
 * lists of varying length make distinct texts.
 */
function withStatementCache(raw: RawSqlite, onWrite: () => void, max = 500) {
  type Stmt = ReturnType<RawSqlite['prepare']>;
  const cache = new Map<string, Stmt>();
  // A statement that may write (INSERT ... RETURNING is a `reader` too, so `readonly` decides) bumps
  // the change stamp before it runs; Kysely calls only these three methods and `reader`.
  type Loose = { reader: boolean; all(...a: unknown[]): unknown; run(...a: unknown[]): unknown; iterate(...a: unknown[]): unknown };
  const counted = (stmt: Stmt): Stmt => {
    if (stmt.readonly) return stmt;
    const s = stmt as unknown as Loose;
    const wrapped: Loose = {
      reader: s.reader,
      all: (...args) => (onWrite(), s.all(...args)),
      run: (...args) => (onWrite(), s.run(...args)),
      iterate: (...args) => (onWrite(), s.iterate(...args)),
    };
    return wrapped as unknown as Stmt;
  };
  return {
    close: () => void raw.close(),
    prepare(text: string) {
      let stmt = cache.get(text);
      if (stmt) {
        // Most recently used last, so the oldest entry is the first to go.
        cache.delete(text);
      } else {
        stmt = counted(raw.prepare(text));
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, stmt);
      return stmt;
    },
  };
}

export async function openDatabase(cfg: Config['database']): Promise<Db> {
  if (cfg.dialect === 'sqlite') {
    const { default: SQLite } = await import('better-sqlite3');
    const file = sqlitePath(cfg.url);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const raw = new SQLite(file);
    if (cfg.sqliteWal) raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
    let stamp = 0;
    let dataVersion = -1;
    const dataVersionStmt = raw.prepare('PRAGMA data_version').pluck();
    // `PRAGMA data_version` is a read transaction (in WAL mode a read lock taken and released on the
    // -shm file): ~10 us, the largest single piece of an authenticated request's own work at load. The
    // requests of one turn of the event loop mostly come from one poll, so one read serves them all; a
    // commit by another process in between is seen by the next turn (setImmediate: once the turn's I/O
    // callbacks are done), like a request that raced the commit.
    let readThisTurn = false;
    const nextTurn = () => void (readThisTurn = false);
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw, () => void stamp++) }), plugins: [new SqliteBooleanPlugin()] });
    return {
      kysely,
      dialect: 'sqlite',
      changeStamp: () => {
        if (raw.inTransaction || !raw.open) return null;
        if (!readThisTurn) {
          readThisTurn = true;
          setImmediate(nextTurn);
          const v = dataVersionStmt.get() as number;
          if (v !== dataVersion) {
            dataVersion = v;
            stamp++;
          }
        }
        return stamp;
      },
      ping: async () => void (await sql`select 1`.execute(kysely)),
      close: () => kysely.destroy(),
    };
  }
  const pg = await import('pg');
  // int8 columns (epoch seconds) must come back as numbers, not strings.
  pg.default.types.setTypeParser(20, (v: string) => Number(v));
  const pool = new pg.default.Pool({
    connectionString: cfg.url,
    max: cfg.poolSize,
    connectionTimeoutMillis: 5000,
  });
  // A client losing its connection (PostgreSQL restarting, a proxy cutting it) must not crash the
  // process. The pool reports idle clients on 'error'; a checked-out client between queries reports
  // on its own emitter, which has no listener by default. The pool drops broken clients, and the
  // next query reports the outage as a 503.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    dialect: 'postgres',
    ping: async () => void (await sql`select 1`.execute(kysely)),
    close: () => kysely.destroy(),
  };
}

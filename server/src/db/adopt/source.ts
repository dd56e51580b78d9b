import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';

/** A row as read from the original database: column name -> value, never a prototype to pollute. */
export type SourceRow = Readonly<Record<string, unknown>>;

/**
 * Read side of an adoption: the original's database, SQLite or PostgreSQL, read in one snapshot.
 * Rows are streamed (a cursor), never loaded a table at a time, so memory stays flat for any size.
 */
export interface Source {
  readonly dialect: 'sqlite' | 'postgres';
  tables(): Promise<string[]>;
  columns(table: string): Promise<string[]>;
  count(table: string): Promise<number>;
  /** `extra` adds computed columns (alias -> SQL expression in this dialect). */
  rows(table: string, extra?: Record<string, string>): AsyncIterable<SourceRow>;
}

function plain(row: Record<string, unknown>): SourceRow {
  return Object.assign(Object.create(null) as Record<string, unknown>, row);
}

export function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** better-sqlite3, read-only; the caller holds it in one read transaction. */
export class SqliteSource implements Source {
  readonly dialect = 'sqlite' as const;
  readonly #columns = new Map<string, string[]>();
  constructor(private readonly db: BetterSqlite3.Database) {}

  async tables(): Promise<string[]> {
    const rows = this.db
      .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name`)
      .all() as { name: string }[];
    return rows.map((r) => r.name);
  }

  async columns(table: string): Promise<string[]> {
    let cols = this.#columns.get(table);
    if (!cols) {
      cols = (this.db.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name);
      this.#columns.set(table, cols);
    }
    return cols;
  }

  async count(table: string): Promise<number> {
    return (this.db.prepare(`select count(*) as n from ${quote(table)}`).get() as { n: number }).n;
  }

  async *rows(table: string, extra: Record<string, string> = {}): AsyncIterable<SourceRow> {
    const cols = ['*', ...Object.entries(extra).map(([alias, expr]) => `${expr} as ${quote(alias)}`)];
    const stmt = this.db.prepare(`select ${cols.join(', ')} from ${quote(table)}`);
    for (const row of stmt.iterate() as Iterable<Record<string, unknown>>) yield plain(row);
  }
}

/**
 * node-postgres on one client that the caller keeps in a REPEATABLE READ READ ONLY transaction;
 * rows come through a server-side cursor, a few hundred at a time.
 */
export class PgSource implements Source {
  readonly dialect = 'postgres' as const;
  #cursors = 0;
  constructor(
    private readonly client: pg.Client,
    private readonly schema: string,
  ) {}

  async tables(): Promise<string[]> {
    const r = await this.client.query<{ t: string }>(
      `select table_name as t from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' order by 1`,
      [this.schema],
    );
    return r.rows.map((x) => x.t);
  }

  async columns(table: string): Promise<string[]> {
    const r = await this.client.query<{ c: string }>(
      `select column_name as c from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`,
      [this.schema, table],
    );
    return r.rows.map((x) => x.c);
  }

  async count(table: string): Promise<number> {
    const r = await this.client.query<{ n: string }>(`select count(*)::text as n from ${quote(this.schema)}.${quote(table)}`);
    return Number(r.rows[0]!.n);
  }

  async *rows(table: string, extra: Record<string, string> = {}): AsyncIterable<SourceRow> {
    const cursor = `adopt_cursor_${++this.#cursors}`;
    const cols = ['*', ...Object.entries(extra).map(([alias, expr]) => `${expr} as ${quote(alias)}`)];
    await this.client.query(`declare ${cursor} no scroll cursor for select ${cols.join(', ')} from ${quote(this.schema)}.${quote(table)}`);
    try {
      for (;;) {
        const r = await this.client.query<Record<string, unknown>>(`fetch 200 from ${cursor}`);
        for (const row of r.rows) yield plain(row);
        if (r.rows.length < 200) break;
      }
    } finally {
      await this.client.query(`close ${cursor}`);
    }
  }
}

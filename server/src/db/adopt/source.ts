import type BetterSqlite3 from 'better-sqlite3';

/** A row as read from the original database: column name -> value, never a prototype to pollute. */
export type SourceRow = Readonly<Record<string, unknown>>;

/**
 * Read side of an adoption: an Open WebUI database opened read-only. Rows are streamed
 * (better-sqlite3 `iterate()`), never loaded a table at a time, so memory stays flat for any size.
 * Reads run inside one read transaction, so every table comes from the same snapshot.
 */
export class SqliteSource {
  readonly #db: BetterSqlite3.Database;
  #columns = new Map<string, string[]>();

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
  }

  /** Every user table (SQLite's own tables left out), in name order. */
  tables(): string[] {
    const rows = this.#db
      .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name`)
      .all() as { name: string }[];
    return rows.map((r) => r.name);
  }

  has(table: string): boolean {
    return this.columns(table).length > 0;
  }

  columns(table: string): string[] {
    let cols = this.#columns.get(table);
    if (!cols) {
      cols = (this.#db.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name);
      this.#columns.set(table, cols);
    }
    return cols;
  }

  count(table: string): number {
    return (this.#db.prepare(`select count(*) as n from ${quote(table)}`).get() as { n: number }).n;
  }

  /**
   * Streams a table's rows. `extra` adds computed columns (e.g. `json_valid(chat)`), evaluated by
   * SQLite so the mapping does not have to parse large documents to know they are well formed.
   */
  *rows(table: string, extra: Record<string, string> = {}): Generator<SourceRow> {
    const cols = ['*', ...Object.entries(extra).map(([alias, expr]) => `${expr} as ${quote(alias)}`)];
    const stmt = this.#db.prepare(`select ${cols.join(', ')} from ${quote(table)}`);
    for (const row of stmt.iterate() as Iterable<Record<string, unknown>>) {
      yield Object.assign(Object.create(null) as Record<string, unknown>, row);
    }
  }
}

export function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

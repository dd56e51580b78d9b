/**
 * A query built and compiled once per database, then run with new parameter values: for the few
 * lookups every request makes (Kysely's builder and compiler cost 40-70 us a call; the SQL text is
 * the same every time, so SQLite's prepared-statement cache is hit too). `build` receives one
 * placeholder string per parameter and must use each exactly once as a bound value.
 */
import type { CompiledQuery, Compilable, Kysely } from 'kysely';
import type { Db } from './database.js';

const placeholder = (i: number) => `\u0000owui-param-${i}\u0000`;

export class Precompiled<Row> {
  readonly #compiled = new WeakMap<Db, { query: CompiledQuery<Row>; slots: number[] }>();

  constructor(
    private readonly arity: number,
    private readonly build: (kysely: Kysely<never>, ...placeholders: string[]) => Compilable<Row>,
  ) {}

  /**
   * The rows for these parameter values. `on` runs it inside a transaction of `db` (a Kysely
   * Transaction); the compiled query is the same, only the connection differs.
   */
  async rows(db: Db, args: readonly unknown[], on: Pick<Kysely<never>, 'executeQuery'> = db.kysely): Promise<Row[]> {
    let c = this.#compiled.get(db);
    if (!c) {
      const names = Array.from({ length: this.arity }, (_, i) => placeholder(i));
      const query = this.build(db.kysely as unknown as Kysely<never>, ...names).compile();
      const slots = query.parameters.map((p) => names.indexOf(p as string));
      if (names.some((_, i) => slots.filter((s) => s === i).length !== 1)) throw new Error('precompiled query: each placeholder must be bound once');
      c = { query, slots };
      this.#compiled.set(db, c);
    }
    const { query, slots } = c;
    const parameters = query.parameters.map((p, i) => (slots[i]! >= 0 ? args[slots[i]!] : p));
    return (await on.executeQuery<Row>({ ...query, parameters })).rows;
  }
}

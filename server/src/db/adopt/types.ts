import type { SourceRow } from './source.js';

/** One write into our schema, produced by a mapping. */
export type Write =
  /** Never overwrites; `onlyIntoEmpty`: only when the table has no row at all (our single settings row). */
  | { op: 'insert'; table: string; values: Record<string, unknown>; onlyIntoEmpty?: boolean }
  /** Sets columns of an existing row, only where `onlyIfNull` (if given) is still null. */
  | { op: 'update'; table: string; key: Record<string, unknown>; values: Record<string, unknown>; onlyIfNull?: string };

/** What one source row becomes: writes, and notes on anything of it that could not be carried. */
export interface Mapped {
  writes: Write[];
  /** Why (part of) the row was not carried; the report counts these. */
  issues?: string[];
}

/**
 * How one of their tables becomes rows of ours. Pure: a mapping sees only its rows (and state it
 * builds itself), never a database, so it can be read and tested as a function. Carrying another
 * table is one more of these, added to the list of each schema range that has the table.
 */
export interface TableMapping<S = unknown> {
  /** Their table. */
  source: string;
  /** Our tables it writes; if one is missing from our schema the source table is reported as not carried. */
  targets: readonly string[];
  /** Their columns this mapping reads; non-null values in any other column are reported as not carried. */
  columns: readonly string[];
  /** Computed columns the source database adds to each row (alias -> SQL per dialect), e.g. `json_type(chat)`. */
  extra?: { sqlite: Record<string, string>; postgres: Record<string, string> };
  /** Per-run state, for mappings that fold several rows into one (config from 0.10 on). */
  init?(): S;
  map(row: SourceRow, state: S): Mapped;
  /** Writes that only exist once every row was seen. */
  finish?(state: S): Mapped;
}

/** Their tables that hold nothing of their own: bookkeeping, or copies of data carried elsewhere. */
export interface Superseded {
  table: string;
  why: string;
}

/** The mappings for one range of Open WebUI schemas. */
export interface SchemaRange {
  /** e.g. "0.5.3-0.6.40". */
  id: string;
  mappings: readonly TableMapping<any>[];
  superseded: readonly Superseded[];
}

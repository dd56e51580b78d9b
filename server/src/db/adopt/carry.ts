import { sql, type Kysely, type Transaction } from 'kysely';
import type { Db } from '../database.js';
import type { Source } from './source.js';
import type { SchemaRange, TableMapping, Write } from './types.js';

export interface TableResult {
  source: string;
  rows: number;
  /** Rows written per table of ours. */
  written: Map<string, number>;
  /** Inserts that met an existing row (same id, or a unique email/key): left as they were. */
  conflicts: Map<string, number>;
  /** Issue text -> occurrences (first examples kept by `examples`). */
  issues: number;
  examples: string[];
  /** Their column -> non-null values we had no column for. */
  droppedColumns: Map<string, number>;
}

export interface CarryResult {
  carried: TableResult[];
  /** Their tables with rows that no mapping (or no table of ours yet) takes. */
  notCarried: { table: string; rows: number; reason: string }[];
  superseded: { table: string; rows: number; why: string }[];
}

const BATCH_WRITES = 500;
const BATCH_BYTES = 8 * 1024 * 1024;
const MAX_EXAMPLES = 5;

/**
 * Runs a range's mappings from the source into our schema. Rows stream through in batches of a
 * bounded size (count and bytes), each batch one transaction. Inserts never overwrite: a row that is
 * already there stays, which makes a repeated import a no-op and an interrupted one resumable.
 */
export async function carry(source: Source, target: Db, range: SchemaRange): Promise<CarryResult> {
  // On PostgreSQL only our schema counts (the original's tables may sit in another one).
  const schema =
    target.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(target.kysely)).rows[0]!.s : undefined;
  const ours = new Set((await target.kysely.introspection.getTables()).filter((t) => !schema || t.schema === schema).map((t) => t.name));
  const theirs = await source.tables();
  const present = new Set(theirs);
  const handled = new Set<string>();
  const result: CarryResult = { carried: [], notCarried: [], superseded: [] };

  for (const mapping of range.mappings) {
    if (!present.has(mapping.source)) continue;
    handled.add(mapping.source);
    const missing = mapping.targets.filter((t) => !ours.has(t));
    if (missing.length) {
      const rows = await source.count(mapping.source);
      if (rows) result.notCarried.push({ table: mapping.source, rows, reason: `no table ${missing.join(', ')} here yet` });
      continue;
    }
    result.carried.push(await runMapping(source, target, mapping));
  }
  for (const s of range.superseded) {
    if (!present.has(s.table)) continue;
    handled.add(s.table);
    result.superseded.push({ table: s.table, rows: await source.count(s.table), why: s.why });
  }
  for (const table of theirs) {
    if (handled.has(table)) continue;
    const rows = await source.count(table);
    if (rows) result.notCarried.push({ table, rows, reason: 'not carried yet' });
  }
  return result;
}

async function runMapping(source: Source, target: Db, mapping: TableMapping<unknown>): Promise<TableResult> {
  const res: TableResult = { source: mapping.source, rows: 0, written: new Map(), conflicts: new Map(), issues: 0, examples: [], droppedColumns: new Map() };
  const extra = mapping.extra?.[source.dialect] ?? {};
  const known = new Set([...mapping.columns, ...Object.keys(extra)]);
  const state = mapping.init?.();
  let batch: Write[] = [];
  let bytes = 0;
  const note = (issues: string[] | undefined) => {
    for (const issue of issues ?? []) {
      res.issues += 1;
      if (res.examples.length < MAX_EXAMPLES) res.examples.push(issue);
    }
  };
  for await (const row of source.rows(mapping.source, extra)) {
    res.rows += 1;
    for (const column in row) {
      if (!known.has(column) && row[column] !== null && row[column] !== undefined) {
        res.droppedColumns.set(column, (res.droppedColumns.get(column) ?? 0) + 1);
      }
    }
    const mapped = mapping.map(row, state);
    note(mapped.issues);
    for (const w of mapped.writes) {
      batch.push(w);
      bytes += approxBytes(w);
    }
    if (batch.length >= BATCH_WRITES || bytes >= BATCH_BYTES) {
      await flush(target, batch, res, note);
      batch = [];
      bytes = 0;
    }
  }
  const last = mapping.finish?.(state);
  if (last) {
    note(last.issues);
    batch.push(...last.writes);
  }
  if (batch.length) await flush(target, batch, res, note);
  return res;
}

function approxBytes(w: Write): number {
  let n = 64;
  for (const v of Object.values(w.values)) n += typeof v === 'string' ? v.length : 8;
  return n;
}

async function flush(target: Db, batch: Write[], res: TableResult, note: (issues: string[]) => void): Promise<void> {
  // Plain inserts are independent of each other: grouped by table (a chat, then its tags, then the
  // next chat...) they go in as a few multi-row statements instead of many small ones.
  const plainInserts = batch.every((w) => w.op === 'insert' && !w.onlyIntoEmpty);
  const writes = plainInserts ? [...batch].sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0)) : batch;
  await (target.kysely as unknown as Kysely<any>).transaction().execute(async (trx) => {
    let i = 0;
    while (i < writes.length) {
      const w = writes[i]!;
      if (w.op === 'update') {
        await update(trx, w, res, note);
        i += 1;
        continue;
      }
      if (w.onlyIntoEmpty) {
        const any = await trx.selectFrom(w.table).select(sql<number>`1`.as('x')).limit(1).executeTakeFirst();
        if (any) res.conflicts.set(w.table, (res.conflicts.get(w.table) ?? 0) + 1);
        else await trx.insertInto(w.table).values(w.values).execute();
        if (!any) res.written.set(w.table, (res.written.get(w.table) ?? 0) + 1);
        i += 1;
        continue;
      }
      // Consecutive inserts into one table go in as multi-row statements, kept under the
      // bound-parameter limits of both dialects.
      const perStatement = Math.max(1, Math.floor(2000 / Math.max(1, Object.keys(w.values).length)));
      const group: Record<string, unknown>[] = [];
      while (i < writes.length && group.length < perStatement) {
        const next = writes[i]!;
        if (next.op !== 'insert' || next.table !== w.table || next.onlyIntoEmpty) break;
        group.push(next.values);
        i += 1;
      }
      const r = await trx.insertInto(w.table).values(group).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      const inserted = Number(r.numInsertedOrUpdatedRows ?? 0);
      res.written.set(w.table, (res.written.get(w.table) ?? 0) + inserted);
      if (inserted < group.length) res.conflicts.set(w.table, (res.conflicts.get(w.table) ?? 0) + group.length - inserted);
    }
  });
}

async function update(trx: Transaction<any>, w: Extract<Write, { op: 'update' }>, res: TableResult, note: (issues: string[]) => void): Promise<void> {
  let q = trx.updateTable(w.table).set(w.values);
  for (const [k, v] of Object.entries(w.key)) q = q.where(k, '=', v);
  if (w.onlyIfNull) q = q.where(w.onlyIfNull, 'is', null);
  const r = await q.executeTakeFirst();
  if (Number(r.numUpdatedRows) > 0) res.written.set(w.table, (res.written.get(w.table) ?? 0) + 1);
  else note([`${res.source} -> ${w.table} ${JSON.stringify(w.key)}: no such row, or ${w.onlyIfNull ?? 'the value'} already set; not carried`]);
}

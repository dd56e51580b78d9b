import type { CarryResult } from './carry.js';

export interface AdoptionReport {
  /** What was read: file, Open WebUI release and revision, mapping range. */
  source: { file: string; release: string; revision: string; range: string };
  /** Copy of the original, made before anything else (in-place adoption only). */
  backup: string | null;
  result: CarryResult;
  notes: string[];
}

/** The one start-up report: what came across, and everything that did not, by table. */
export function formatReport(r: AdoptionReport): string {
  const { source, result } = r;
  const lines = [`Adopted Open WebUI ${source.release} data (schema ${source.revision}, mappings ${source.range}) from ${source.file}.`];
  if (r.backup) lines.push(`  Backup of the original database, untouched: ${r.backup}`);
  const carried = result.carried.map((t) => {
    const extra = [...t.written].filter(([table]) => table !== t.source).map(([table, n]) => `${n} ${table}`);
    return `${t.source} ${t.rows}${extra.length ? ` (+${extra.join(', ')})` : ''}`;
  });
  lines.push(`  Carried (rows read): ${carried.join(', ') || 'nothing'}`);
  const cols: string[] = [];
  for (const t of result.carried) {
    for (const [table, n] of t.conflicts) lines.push(`  ${t.source}: ${n} ${table} rows already present (same id or unique value) were left as they were`);
    if (t.issues) lines.push(`  ${t.source}: ${t.issues} not carried, e.g. ${t.examples.join('; ')}`);
    for (const [c, n] of t.droppedColumns) cols.push(`${t.source}.${c} (${n} values)`);
  }
  if (cols.length) lines.push(`  Columns we have no place for yet (${r.backup ? 'values kept in the backup' : 'values stay in the source'}): ${cols.join(', ')}`);
  if (result.notCarried.length) {
    lines.push(
      `  NOT carried yet (${r.backup ? 'rows kept in the backup' : 'rows stay in the source'}): ${result.notCarried.map((t) => `${t.table} ${t.rows}`).join(', ')}`,
    );
  }
  const sup = result.superseded.filter((s) => s.rows > 0);
  if (sup.length) lines.push(`  Not needed: ${sup.map((s) => `${s.table} ${s.rows} (${s.why})`).join('; ')}`);
  for (const n of r.notes) lines.push(`  ${n}`);
  return lines.join('\n');
}

import type { SourceRow } from '../source.js';
import type { TableMapping } from '../types.js';

export type Extra = { sqlite: Record<string, string>; postgres: Record<string, string> };

/**
 * A mapping plus computed columns and a per-row adjustment of what it inserts. Used where a newer
 * schema moved a column into a child table (group members, knowledge files, access grants): the
 * child rows of each parent come along as one correlated subquery in the parent's own row, so the
 * parent table streams as before and only one parent's children are in memory at a time.
 */
export function extend(
  base: TableMapping,
  extra: Extra,
  adjust: (values: Record<string, unknown>, row: SourceRow) => string[] | void,
): TableMapping {
  return {
    ...base,
    extra: {
      sqlite: { ...base.extra?.sqlite, ...extra.sqlite },
      postgres: { ...base.extra?.postgres, ...extra.postgres },
    },
    map(row, state) {
      const out = base.map(row, state);
      const issues = [...(out.issues ?? [])];
      for (const w of out.writes) if (w.op === 'insert') issues.push(...(adjust(w.values, row) ?? []));
      return issues.length ? { writes: out.writes, issues } : { writes: out.writes };
    },
  };
}

export const noExtra: Extra = { sqlite: {}, postgres: {} };

export function merge(...extras: Extra[]): Extra {
  return {
    sqlite: Object.assign({}, ...extras.map((e) => e.sqlite)),
    postgres: Object.assign({}, ...extras.map((e) => e.postgres)),
  };
}

/** A JSON list of `column` from the child rows of `parent` (oldest first); `[]` when none. */
export function childList(alias: string, parent: string, child: string, fk: string, column: string): Extra {
  const p = `"${parent}".id`;
  return {
    sqlite: { [alias]: `(select json_group_array(${column}) from (select c.${column} from "${child}" c where c.${fk} = ${p} order by c.created_at, c.id))` },
    postgres: { [alias]: `(select coalesce(json_agg(c.${column} order by c.created_at, c.id), '[]'::json) from "${child}" c where c.${fk} = ${p})` },
  };
}

/** A JSON array from text (SQLite) or an already parsed value (PostgreSQL). */
export function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

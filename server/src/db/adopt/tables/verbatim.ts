import type { TableMapping } from '../types.js';
import { bool, epochSeconds, jsonText, text } from '../values.js';

export type ColumnKind = 'text' | 'json' | 'bool' | 'epoch' | 'int';

/**
 * A table of ours that keeps the original's name and columns (the convention for every table added
 * since 0.6.34): each listed column is copied from the same-named column, converted by kind. Carrying
 * such a table is one line, e.g.
 *   export const memory = verbatim('memory', { id: 'text', user_id: 'text', content: 'text', created_at: 'epoch', updated_at: 'epoch' });
 * added to the `mappings` of each range whose schema has the table. `required` columns must be
 * present and non-empty, or the row is reported instead of written. `defaults` fill columns that
 * newer installs left null (0.9.6+ made many nullable) where our column is NOT NULL.
 */
export function verbatim(
  table: string,
  columns: Record<string, ColumnKind>,
  opts: { target?: string; required?: string[]; defaults?: Record<string, unknown> } = {},
): TableMapping {
  const target = opts.target ?? table;
  const required = opts.required ?? ['id'].filter((c) => c in columns);
  const entries = Object.entries(columns);
  return {
    source: table,
    targets: [target],
    columns: Object.keys(columns),
    map(row) {
      const values: Record<string, unknown> = {};
      for (const [name, kind] of entries) values[name] = convert(row[name], kind) ?? opts.defaults?.[name] ?? null;
      const missing = required.filter((c) => values[c] === null || values[c] === '');
      if (missing.length) return { writes: [], issues: [`${table} row without ${missing.join(', ')}`] };
      return { writes: [{ op: 'insert', table: target, values }] };
    },
  };
}

function convert(v: unknown, kind: ColumnKind): unknown {
  switch (kind) {
    case 'text':
      return text(v);
    case 'json':
      return jsonText(v);
    case 'bool':
      return v === null || v === undefined ? null : bool(v, false);
    case 'epoch':
      return v === null || v === undefined ? null : epochSeconds(v, 0);
    case 'int':
      return v === null || v === undefined || !Number.isFinite(Number(v)) ? null : Math.trunc(Number(v));
  }
}

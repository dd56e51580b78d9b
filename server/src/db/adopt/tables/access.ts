import type { SourceRow } from '../source.js';
import type { TableMapping } from '../types.js';
import { extend, list, type Extra } from './extend.js';

const GRANTS = '__access_grants';

/** Each resource's rows of 0.8's `access_grant`, as `[principal_type, principal_id, permission]` triples. */
function grantsOf(resourceType: string, table: string): Extra {
  const where = `g.resource_type = '${resourceType}' and g.resource_id = "${table}".id`;
  return {
    sqlite: {
      [GRANTS]: `(select json_group_array(json_array(g.principal_type, g.principal_id, g.permission)) from (select * from access_grant g where ${where} order by g.created_at, g.id) g)`,
    },
    postgres: {
      [GRANTS]: `(select coalesce(json_agg(json_build_array(g.principal_type, g.principal_id, g.permission) order by g.created_at, g.id), '[]'::json) from access_grant g where ${where})`,
    },
  };
}

/**
 * 0.8 replaced the `access_control` JSON of models, prompts, knowledge, files... with `access_grant`
 * rows. Folded back the way the original's own downgrade does it (migration f1e2d3c4b5a6): a
 * `user:*` read grant means public (null); no grant at all means owner-only (`{}`), except for files,
 * whose null already meant owner-only; otherwise `{read: {group_ids, user_ids}, write: {...}}`.
 */
export function foldGrants(grants: unknown[], resourceType: string, id: string): { value: string | null; issues: string[] } {
  if (grants.length === 0) return { value: resourceType === 'file' ? null : '{}', issues: [] };
  const acl = { read: { group_ids: [] as string[], user_ids: [] as string[] }, write: { group_ids: [] as string[], user_ids: [] as string[] } };
  let isPublic = false;
  let others = 0;
  for (const g of grants) {
    if (!Array.isArray(g) || g.length < 3) continue;
    const [type, principal, permission] = g.map((x) => String(x));
    if (type === 'user' && principal === '*' && permission === 'read') {
      isPublic = true;
      continue;
    }
    if (permission !== 'read' && permission !== 'write') continue;
    const into = type === 'group' ? acl[permission].group_ids : type === 'user' ? acl[permission].user_ids : null;
    if (into && !into.includes(principal!)) {
      into.push(principal!);
      others += 1;
    }
  }
  if (isPublic) {
    // Our `access_control` has no way to say "public, and these may also write".
    const issues = others ? [`${resourceType} ${id}: public, so its ${others} further grant(s) were not carried`] : [];
    return { value: null, issues };
  }
  return { value: others ? JSON.stringify(acl) : '{}', issues: [] };
}

/** `base` (whose source has no `access_control` column any more) with it rebuilt from `access_grant`. */
export function withGrants(base: TableMapping, resourceType: string, then?: (values: Record<string, unknown>, row: SourceRow) => string[] | void): TableMapping {
  return extend(base, grantsOf(resourceType, base.source), (values, row) => {
    const folded = foldGrants(list(row[GRANTS]), resourceType, String(values.id ?? values.command ?? ''));
    values.access_control = folded.value;
    return [...folded.issues, ...(then?.(values, row) ?? [])];
  });
}

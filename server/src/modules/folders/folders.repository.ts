import { randomUUID } from 'node:crypto';
import type { FolderModel } from '@owui/contracts';
import type { Db } from '../../db/database.js';
import { jsonObject as parse } from '../../db/json-column.js';
import type { Selectable } from 'kysely';
import type { FolderTable } from '../../db/tables.js';
import { Precompiled } from '../../db/precompiled.js';

type FolderRow = Selectable<FolderTable>;

const now = () => Math.floor(Date.now() / 1000);

const dump = (v: Record<string, unknown> | null | undefined) => (v == null ? null : JSON.stringify(v));

export function toFolderModel(row: FolderRow): FolderModel {
  return {
    id: row.id,
    parent_id: row.parent_id,
    user_id: row.user_id,
    name: row.name,
    items: parse(row.items),
    meta: parse(row.meta),
    data: parse(row.data),
    is_expanded: Boolean(row.is_expanded),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

// The sidebar reads it on every page load: built and compiled once (db/precompiled.ts).
const FOLDERS_OF = new Precompiled<FolderRow>(1, (k, userId) =>
  (k as unknown as Db['kysely']).selectFrom('folder').selectAll().where('user_id', '=', userId!).orderBy('created_at'),
);

/** SQL for `folder`; every query is scoped to the owner (the table's key is id + user_id). */
export class FoldersRepository {
  constructor(private readonly db: Db) {}

  private get k() {
    return this.db.kysely;
  }

  async list(userId: string): Promise<FolderModel[]> {
    return (await FOLDERS_OF.rows(this.db, [userId])).map(toFolderModel);
  }

  async get(id: string, userId: string): Promise<FolderModel | null> {
    const row = await this.k.selectFrom('folder').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return row ? toFolderModel(row) : null;
  }

  /** A sibling with this name under the same parent (names are unique per level, like the original). */
  async findByName(userId: string, parentId: string | null, name: string): Promise<FolderModel | null> {
    let q = this.k.selectFrom('folder').selectAll().where('user_id', '=', userId);
    q = parentId ? q.where('parent_id', '=', parentId) : q.where('parent_id', 'is', null);
    const rows = await q.execute();
    const hit = rows.find((r) => r.name.toLowerCase() === name.toLowerCase());
    return hit ? toFolderModel(hit) : null;
  }

  async insert(userId: string, f: { name: string; parent_id?: string | null; data?: Record<string, unknown> | null; meta?: Record<string, unknown> | null }): Promise<FolderModel> {
    const t = now();
    const row = {
      id: randomUUID(),
      parent_id: f.parent_id ?? null,
      user_id: userId,
      name: f.name,
      items: null,
      meta: dump(f.meta),
      data: dump(f.data),
      is_expanded: false,
      created_at: t,
      updated_at: t,
    } satisfies FolderRow;
    await this.k.insertInto('folder').values(row).execute();
    return toFolderModel(row);
  }

  async update(
    id: string,
    userId: string,
    set: Partial<{ name: string; parent_id: string | null; is_expanded: boolean; data: Record<string, unknown> | null; meta: Record<string, unknown> | null }>,
  ): Promise<FolderModel | null> {
    const values: Record<string, unknown> = { updated_at: now() };
    if (set.name !== undefined) values.name = set.name;
    if (set.parent_id !== undefined) values.parent_id = set.parent_id;
    if (set.is_expanded !== undefined) values.is_expanded = set.is_expanded;
    if (set.data !== undefined) values.data = dump(set.data);
    if (set.meta !== undefined) values.meta = dump(set.meta);
    await this.k.updateTable('folder').set(values).where('id', '=', id).where('user_id', '=', userId).execute();
    return this.get(id, userId);
  }

  /** The folder and every folder below it, in one list (deleting a folder deletes its subtree). */
  async subtreeIds(id: string, userId: string): Promise<string[]> {
    const all = await this.k.selectFrom('folder').select(['id', 'parent_id']).where('user_id', '=', userId).execute();
    const children = new Map<string, string[]>();
    for (const f of all) if (f.parent_id) children.set(f.parent_id, [...(children.get(f.parent_id) ?? []), f.id]);
    const out: string[] = [];
    const stack = [id];
    const seen = new Set<string>();
    while (stack.length) {
      const cur = stack.pop()!;
      if (seen.has(cur)) continue; // a cycle in an imported database must not loop forever
      seen.add(cur);
      out.push(cur);
      stack.push(...(children.get(cur) ?? []));
    }
    return out;
  }

  async deleteMany(ids: string[], userId: string): Promise<void> {
    if (ids.length) await this.k.deleteFrom('folder').where('user_id', '=', userId).where('id', 'in', ids).execute();
  }
}

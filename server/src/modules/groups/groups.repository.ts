/**
 * GroupsRepository — Open WebUI's `group` table. `user_ids` is a JSON list of member ids, as in 0.6.34.
 * `GroupsRepository.for(ctx)`; `shared()` (and `groupIdsForUser`, from it) is what access checks and
 * permission merging read on every request (a scan of a small table, kept between writes: groups are
 * few, and `user_ids` is a JSON list as in the original).
 */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { GroupForm, GroupResponse, GroupUpdateForm } from '@owui/contracts';
import type { Db } from '../../db/database.js';
import { jsonObject, readJson } from '../../db/json-column.js';
import type { GroupTable } from '../../db/tables.js';
import { sharedRead, sharedReadChanged } from '../../db/shared-read.js';

type Json = Record<string, unknown>;

const obj = jsonObject;
const ids = (raw: unknown): string[] => {
  const v = readJson(raw);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
};

export function toGroup(row: Selectable<GroupTable>): GroupResponse {
  return {
    id: row.id,
    user_id: row.user_id ?? '',
    name: row.name ?? '',
    description: row.description ?? '',
    permissions: obj(row.permissions),
    data: obj(row.data),
    meta: obj(row.meta),
    user_ids: ids(row.user_ids),
    created_at: Number(row.created_at ?? 0),
    updated_at: Number(row.updated_at ?? 0),
  };
}

const now = () => Math.floor(Date.now() / 1000);

const SHARED_KEY = 'groups';

export class GroupsRepository {
  constructor(private readonly db: Db) {}

  /** Stateless and cheap: built per use from whatever context the caller holds. */
  static for(ctx: { db: Db }): GroupsRepository {
    return new GroupsRepository(ctx.db);
  }

  get #db() {
    return this.db.kysely;
  }

  async list(): Promise<GroupResponse[]> {
    const rows = await this.#db.selectFrom('group').selectAll().orderBy('updated_at', 'desc').execute();
    return rows.map(toGroup);
  }

  async get(id: string): Promise<GroupResponse | null> {
    const row = await this.#db.selectFrom('group').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toGroup(row) : null;
  }

  /**
   * Every group, shared between callers for a moment (db/shared-read.ts): what the model access rule and
   * the permissions read on every request. Read-only.
   */
  shared(): Promise<readonly GroupResponse[]> {
    return sharedRead(this.db, SHARED_KEY, () => this.list());
  }

  /** Groups with this user among `user_ids`, newest first (the original's get_groups_by_member_id). */
  async forMember(userId: string): Promise<GroupResponse[]> {
    return (await this.list()).filter((g) => g.user_ids.includes(userId));
  }

  /** The ids of the user's groups, for access checks: from the shared read, like the model access rule. */
  async groupIdsForUser(userId: string): Promise<string[]> {
    const ids: string[] = [];
    for (const g of await this.shared()) if (g.user_ids.includes(userId)) ids.push(g.id);
    return ids;
  }

  async create(ownerId: string, form: GroupForm): Promise<GroupResponse> {
    const t = now();
    const row = {
      id: randomUUID(),
      user_id: ownerId,
      name: form.name,
      description: form.description ?? '',
      data: null,
      meta: null,
      permissions: form.permissions ? JSON.stringify(form.permissions) : null,
      user_ids: JSON.stringify([]),
      created_at: t,
      updated_at: t,
    };
    await this.#db.insertInto('group').values(row).execute();
    sharedReadChanged(this.db, SHARED_KEY);
    return toGroup(row);
  }

  /** Like the original: fields left out (or null) keep their value. */
  async update(id: string, form: GroupUpdateForm): Promise<GroupResponse | null> {
    const patch: Record<string, unknown> = { name: form.name, description: form.description, updated_at: now() };
    if (form.permissions) patch.permissions = JSON.stringify(form.permissions);
    if (form.user_ids) patch.user_ids = JSON.stringify([...new Set(form.user_ids)]);
    const res = await this.#db.updateTable('group').set(patch).where('id', '=', id).executeTakeFirst();
    sharedReadChanged(this.db, SHARED_KEY);
    return res.numUpdatedRows > 0n ? this.get(id) : null;
  }

  async setMembers(id: string, userIds: string[]): Promise<GroupResponse | null> {
    const res = await this.#db
      .updateTable('group')
      .set({ user_ids: JSON.stringify([...new Set(userIds)]), updated_at: now() })
      .where('id', '=', id)
      .executeTakeFirst();
    sharedReadChanged(this.db, SHARED_KEY);
    return res.numUpdatedRows > 0n ? this.get(id) : null;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.#db.deleteFrom('group').where('id', '=', id).executeTakeFirst();
    sharedReadChanged(this.db, SHARED_KEY);
    return res.numDeletedRows > 0n;
  }

  /** New accounts join DEFAULT_GROUP_ID when it names a group (an unknown id is ignored). */
  async addToDefaultGroup(userId: string, groupId: string | null | undefined): Promise<void> {
    if (!groupId) return;
    const g = await this.get(groupId);
    if (g && !g.user_ids.includes(userId)) await this.setMembers(g.id, [...g.user_ids, userId]);
  }

  /** Drops a deleted user from every group (user deletion calls this). */
  async removeUserEverywhere(userId: string): Promise<void> {
    for (const g of await this.forMember(userId)) await this.setMembers(g.id, g.user_ids.filter((u) => u !== userId));
  }
}

import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { FeedbackForm } from '@owui/contracts';
import type { Db } from '../../db/database.js';
import { jsonObject as parse } from '../../db/json-column.js';
import type { FeedbackTable } from '../../db/tables.js';

type Row = Selectable<FeedbackTable>;
const now = () => Math.floor(Date.now() / 1000);

export interface FeedbackModel {
  id: string;
  user_id: string;
  version: number;
  type: string;
  data: Record<string, unknown> | null;
  meta: Record<string, unknown> | null;
  snapshot: Record<string, unknown> | null;
  created_at: number;
  updated_at: number;
}

const toModel = (r: Row): FeedbackModel => ({
  id: r.id,
  user_id: r.user_id ?? '',
  version: Number(r.version ?? 0),
  type: r.type ?? '',
  data: parse(r.data),
  meta: parse(r.meta),
  snapshot: parse(r.snapshot),
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});

/** SQL for `feedback` (message ratings); `snapshot` keeps the rated chat as it was. */
export class FeedbackRepository {
  constructor(private readonly db: Db) {}
  private get k() {
    return this.db.kysely;
  }

  async insert(userId: string, f: FeedbackForm): Promise<FeedbackModel> {
    const t = now();
    const row: Row = {
      id: randomUUID(),
      user_id: userId,
      version: 0,
      type: f.type,
      data: f.data == null ? null : JSON.stringify(f.data),
      meta: f.meta == null ? null : JSON.stringify(f.meta),
      snapshot: f.snapshot == null ? null : JSON.stringify(f.snapshot),
      created_at: t,
      updated_at: t,
    };
    await this.k.insertInto('feedback').values(row).execute();
    return toModel(row);
  }

  async get(id: string, userId?: string): Promise<FeedbackModel | null> {
    let q = this.k.selectFrom('feedback').selectAll().where('id', '=', id);
    if (userId) q = q.where('user_id', '=', userId);
    const row = await q.executeTakeFirst();
    return row ? toModel(row) : null;
  }

  async list(userId?: string): Promise<FeedbackModel[]> {
    let q = this.k.selectFrom('feedback').selectAll().orderBy('updated_at', 'desc');
    if (userId) q = q.where('user_id', '=', userId);
    return (await q.execute()).map(toModel);
  }

  async update(id: string, f: FeedbackForm): Promise<FeedbackModel | null> {
    const set: Record<string, unknown> = { type: f.type, updated_at: now() };
    if (f.data !== undefined) set.data = f.data == null ? null : JSON.stringify(f.data);
    if (f.meta !== undefined) set.meta = f.meta == null ? null : JSON.stringify(f.meta);
    if (f.snapshot !== undefined) set.snapshot = f.snapshot == null ? null : JSON.stringify(f.snapshot);
    await this.k.updateTable('feedback').set(set).where('id', '=', id).execute();
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.k.deleteFrom('feedback').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async deleteAll(userId?: string): Promise<boolean> {
    let q = this.k.deleteFrom('feedback');
    if (userId) q = q.where('user_id', '=', userId);
    await q.execute();
    return true;
  }
}

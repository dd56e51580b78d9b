import type { Db } from '../../db/database.js';
import { jsonObject as jsonColumn } from '../../db/json-column.js';

export type Json = Record<string, unknown>;

export interface FileRow {
  id: string;
  user_id: string;
  hash: string | null;
  filename: string;
  path: string | null;
  data: Json;
  meta: Json;
  access_control: Json | null;
  created_at: number;
  updated_at: number;
}

const now = () => Math.floor(Date.now() / 1000);

function toRow(r: Record<string, unknown>): FileRow {
  return {
    id: r.id as string,
    user_id: r.user_id as string,
    hash: (r.hash as string | null) ?? null,
    filename: r.filename as string,
    path: (r.path as string | null) ?? null,
    data: jsonColumn(r.data) ?? {},
    meta: jsonColumn(r.meta) ?? {},
    access_control: jsonColumn(r.access_control),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at ?? r.created_at),
  };
}

/** SQL for Open WebUI's `file` table. */
export class FilesRepository {
  constructor(private readonly db: Db) {}

  async insert(f: Omit<FileRow, 'created_at' | 'updated_at' | 'hash'>): Promise<FileRow> {
    const t = now();
    await this.db.kysely
      .insertInto('file')
      .values({
        id: f.id,
        user_id: f.user_id,
        hash: null,
        filename: f.filename,
        path: f.path,
        data: JSON.stringify(f.data),
        meta: JSON.stringify(f.meta),
        access_control: f.access_control ? JSON.stringify(f.access_control) : null,
        created_at: t,
        updated_at: t,
      })
      .execute();
    return { ...f, hash: null, created_at: t, updated_at: t };
  }

  async get(id: string): Promise<FileRow | null> {
    const r = await this.db.kysely.selectFrom('file').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRow(r as Record<string, unknown>) : null;
  }

  async getMany(ids: string[]): Promise<FileRow[]> {
    if (!ids.length) return [];
    const out: FileRow[] = [];
    // Chunked: PostgreSQL and SQLite both cap bound parameters per statement.
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.kysely.selectFrom('file').selectAll().where('id', 'in', ids.slice(i, i + 500)).execute();
      out.push(...rows.map((r) => toRow(r as Record<string, unknown>)));
    }
    const byId = new Map(out.map((r) => [r.id, r]));
    return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }

  async list(userId?: string): Promise<FileRow[]> {
    let q = this.db.kysely.selectFrom('file').selectAll().orderBy('updated_at', 'desc');
    if (userId) q = q.where('user_id', '=', userId);
    return (await q.execute()).map((r) => toRow(r as Record<string, unknown>));
  }

  async countByUser(userId: string): Promise<number> {
    const r = await this.db.kysely.selectFrom('file').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async updateData(id: string, patch: Json, extra: { hash?: string | null; meta?: Json } = {}): Promise<void> {
    const row = await this.get(id);
    if (!row) return;
    const data = { ...row.data, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete data[k];
    await this.db.kysely
      .updateTable('file')
      .set({
        data: JSON.stringify(data),
        updated_at: now(),
        ...(extra.hash !== undefined ? { hash: extra.hash } : {}),
        ...(extra.meta ? { meta: JSON.stringify({ ...row.meta, ...extra.meta }) } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.kysely.deleteFrom('file').where('id', '=', id).execute();
  }

  async deleteAll(): Promise<void> {
    await this.db.kysely.deleteFrom('file').execute();
  }

  /** Ids of files left `pending` (their processing was cut off by a stop), oldest first. */
  /**
   * Files still `pending`, oldest first, with the text they already hold (`data.content`: an adopted
   * Open WebUI file, whose text the original extracted, or one being re-processed with given text).
   */
  async pending(): Promise<{ id: string; content: string | null }[]> {
    const rows = await this.db.kysely.selectFrom('file').select(['id', 'data']).orderBy('created_at').execute();
    const out: { id: string; content: string | null }[] = [];
    for (const r of rows) {
      const data = jsonColumn(r.data);
      if (data?.status !== 'pending') continue;
      out.push({ id: r.id, content: typeof data.content === 'string' && data.content.trim() ? data.content : null });
    }
    return out;
  }
}

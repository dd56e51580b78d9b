import type { Db } from '../../db/database.js';
import { jsonObject as jsonColumn } from '../../db/json-column.js';
import type { Json } from '../files/files.repository.js';

export interface KnowledgeRow {
  id: string;
  user_id: string;
  name: string;
  description: string;
  data: Json & { file_ids?: string[] };
  meta: Json | null;
  access_control: Json | null;
  created_at: number;
  updated_at: number;
}

const now = () => Math.floor(Date.now() / 1000);

function toRow(r: Record<string, unknown>): KnowledgeRow {
  const data = jsonColumn(r.data) ?? {};
  const fileIds = Array.isArray(data.file_ids) ? data.file_ids.filter((x): x is string => typeof x === 'string') : [];
  return {
    id: r.id as string,
    user_id: r.user_id as string,
    name: r.name as string,
    description: (r.description as string | null) ?? '',
    data: { ...data, file_ids: fileIds },
    meta: jsonColumn(r.meta),
    access_control: jsonColumn(r.access_control),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at ?? r.created_at),
  };
}

/** SQL for Open WebUI's `knowledge` table. */
export class KnowledgeRepository {
  constructor(private readonly db: Db) {}

  async insert(k: Omit<KnowledgeRow, 'created_at' | 'updated_at'>): Promise<KnowledgeRow> {
    const t = now();
    await this.db.kysely
      .insertInto('knowledge')
      .values({
        id: k.id,
        user_id: k.user_id,
        name: k.name,
        description: k.description,
        data: JSON.stringify(k.data),
        meta: k.meta ? JSON.stringify(k.meta) : null,
        access_control: k.access_control ? JSON.stringify(k.access_control) : null,
        created_at: t,
        updated_at: t,
      })
      .execute();
    return { ...k, created_at: t, updated_at: t };
  }

  async get(id: string): Promise<KnowledgeRow | null> {
    const r = await this.db.kysely.selectFrom('knowledge').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toRow(r as Record<string, unknown>) : null;
  }

  async list(): Promise<KnowledgeRow[]> {
    return (await this.db.kysely.selectFrom('knowledge').selectAll().orderBy('updated_at', 'desc').execute()).map((r) => toRow(r as Record<string, unknown>));
  }

  async update(id: string, patch: Partial<Pick<KnowledgeRow, 'name' | 'description' | 'data' | 'access_control' | 'meta'>>): Promise<KnowledgeRow | null> {
    const set: Record<string, unknown> = { updated_at: now() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.data !== undefined) set.data = JSON.stringify(patch.data);
    if (patch.meta !== undefined) set.meta = patch.meta ? JSON.stringify(patch.meta) : null;
    if (patch.access_control !== undefined) set.access_control = patch.access_control ? JSON.stringify(patch.access_control) : null;
    await this.db.kysely.updateTable('knowledge').set(set).where('id', '=', id).execute();
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.db.kysely.deleteFrom('knowledge').where('id', '=', id).execute();
  }

  /** Every knowledge base (the admin's "reset vector storage/knowledge"). */
  async deleteAll(): Promise<void> {
    await this.db.kysely.deleteFrom('knowledge').execute();
  }
}

import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.js';

export interface MemoryModel {
  id: string;
  user_id: string;
  content: string;
  updated_at: number;
  created_at: number;
}

const now = () => Math.floor(Date.now() / 1000);
const toModel = (r: MemoryModel): MemoryModel => ({ ...r, updated_at: Number(r.updated_at), created_at: Number(r.created_at) });

/** SQL for `memory` (Settings > Personalization > Memories); always scoped to the owner. */
export class MemoriesRepository {
  constructor(private readonly db: Db) {}
  private get k() {
    return this.db.kysely;
  }

  async list(userId: string): Promise<MemoryModel[]> {
    return (await this.k.selectFrom('memory').selectAll().where('user_id', '=', userId).orderBy('created_at').execute()).map(toModel);
  }

  async insert(userId: string, content: string): Promise<MemoryModel> {
    const t = now();
    const row = { id: randomUUID(), user_id: userId, content, created_at: t, updated_at: t };
    await this.k.insertInto('memory').values(row).execute();
    return row;
  }

  async get(id: string, userId: string): Promise<MemoryModel | null> {
    const row = await this.k.selectFrom('memory').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return row ? toModel(row) : null;
  }

  async update(id: string, userId: string, content: string): Promise<MemoryModel | null> {
    await this.k.updateTable('memory').set({ content, updated_at: now() }).where('id', '=', id).where('user_id', '=', userId).execute();
    return this.get(id, userId);
  }

  async delete(id: string, userId: string): Promise<boolean> {
    const r = await this.k.deleteFrom('memory').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async deleteAll(userId: string): Promise<boolean> {
    await this.k.deleteFrom('memory').where('user_id', '=', userId).execute();
    return true;
  }
}

const words = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

/**
 * The memories closest to a text, best first, with a distance in [0, 1] (0 = same words). The original
 * ranks by embedding similarity in its vector store; until the retrieval pipeline (rag/) offers an
 * embedding seam this ranks by word overlap, so `/memories/query` and the chat's "User Context" work.
 */
export function rankMemories(memories: MemoryModel[], text: string, k: number): Array<{ memory: MemoryModel; distance: number }> {
  const q = words(text);
  return memories
    .map((memory) => {
      const m = words(memory.content);
      let shared = 0;
      for (const w of m) if (q.has(w)) shared++;
      const union = new Set([...q, ...m]).size || 1;
      return { memory, distance: 1 - shared / union };
    })
    .sort((a, b) => a.distance - b.distance || b.memory.updated_at - a.memory.updated_at)
    .slice(0, k);
}

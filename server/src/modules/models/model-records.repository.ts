/**
 * ModelRecordsRepository — Open WebUI's `model` table: custom model records. `base_model_id` null
 * decorates the base model of the same id (name, meta, access, is_active); otherwise the record is a
 * preset that runs on `base_model_id`. `params` and `meta` are JSON text, `access_control` JSON.
 */
import type { Selectable } from 'kysely';
import type { ModelForm, ModelRecord } from '@owui/contracts';
import type { Db } from '../../db/database.js';
import type { ModelRecordTable } from '../../db/tables.js';
import { parseAccessControl, serializeAccessControl } from '../access/access-control.js';
import { readJson } from '../../db/json-column.js';
import { sharedRead, sharedReadChanged } from '../../db/shared-read.js';

type Json = Record<string, unknown>;

const SHARED_KEY = 'model-records';
const obj = (raw: unknown): Json => {
  const v = readJson(raw);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
};

export function toRecord(row: Selectable<ModelRecordTable>): ModelRecord {
  return {
    id: row.id,
    user_id: row.user_id,
    base_model_id: row.base_model_id ?? null,
    name: row.name,
    params: obj(row.params),
    meta: obj(row.meta),
    access_control: parseAccessControl(row.access_control),
    is_active: Boolean(row.is_active),
    updated_at: Number(row.updated_at),
    created_at: Number(row.created_at),
  };
}

const now = () => Math.floor(Date.now() / 1000);

function columns(form: ModelForm) {
  return {
    base_model_id: form.base_model_id ?? null,
    name: form.name,
    meta: JSON.stringify(form.meta ?? {}),
    params: JSON.stringify(form.params ?? {}),
    access_control: serializeAccessControl(form.access_control),
    is_active: form.is_active ?? true,
  };
}

export class ModelRecordsRepository {
  constructor(private readonly db: Db) {}

  static for(ctx: { db: Db }): ModelRecordsRepository {
    return new ModelRecordsRepository(ctx.db);
  }

  get #db() {
    return this.db.kysely;
  }

  async all(): Promise<ModelRecord[]> {
    return (await this.#db.selectFrom('model').selectAll().orderBy('created_at').orderBy('id').execute()).map(toRecord);
  }

  /**
   * Every record by id, shared between callers for a moment (db/shared-read.ts): what the model access
   * rule reads on every generation request. Read-only.
   */
  byId(): Promise<ReadonlyMap<string, ModelRecord>> {
    return sharedRead(this.db, SHARED_KEY, async () => new Map((await this.all()).map((r) => [r.id, r])));
  }

  async get(id: string): Promise<ModelRecord | null> {
    const row = await this.#db.selectFrom('model').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async insert(userId: string, form: ModelForm, times?: { created_at?: number; updated_at?: number }): Promise<ModelRecord> {
    const t = now();
    await this.#db
      .insertInto('model')
      .values({ id: form.id, user_id: userId, ...columns(form), created_at: times?.created_at ?? t, updated_at: times?.updated_at ?? t })
      .execute();
    sharedReadChanged(this.db, SHARED_KEY);
    return (await this.get(form.id))!;
  }

  async update(id: string, form: ModelForm): Promise<ModelRecord | null> {
    const res = await this.#db.updateTable('model').set({ ...columns(form), updated_at: now() }).where('id', '=', id).executeTakeFirst();
    sharedReadChanged(this.db, SHARED_KEY);
    return res.numUpdatedRows > 0n ? this.get(id) : null;
  }

  async setOwner(id: string, userId: string): Promise<void> {
    await this.#db.updateTable('model').set({ user_id: userId }).where('id', '=', id).execute();
    sharedReadChanged(this.db, SHARED_KEY);
  }

  async toggle(id: string): Promise<ModelRecord | null> {
    const current = await this.get(id);
    if (!current) return null;
    await this.#db.updateTable('model').set({ is_active: !current.is_active, updated_at: now() }).where('id', '=', id).execute();
    sharedReadChanged(this.db, SHARED_KEY);
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.#db.deleteFrom('model').where('id', '=', id).executeTakeFirst();
    sharedReadChanged(this.db, SHARED_KEY);
    return res.numDeletedRows > 0n;
  }

  async deleteAll(): Promise<void> {
    await this.#db.deleteFrom('model').execute();
    sharedReadChanged(this.db, SHARED_KEY);
  }

  /** Replaces the whole table by `records` in one transaction (the admin "sync"). */
  async replaceAll(userId: string, records: ModelForm[]): Promise<ModelRecord[]> {
    const t = now();
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('model').execute();
      for (const r of records) await trx.insertInto('model').values({ id: r.id, user_id: userId, ...columns(r), created_at: t, updated_at: t }).execute();
    });
    sharedReadChanged(this.db, SHARED_KEY);
    return this.all();
  }
}

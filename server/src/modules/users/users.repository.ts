import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { UserModel, UserRole } from '@owui/contracts';
import type { Db } from '../../db/database.js';
import type { Database, UserTable } from '../../db/tables.js';
import { storedJsonObject } from '../../plugins/json-limits.js';
import { Precompiled } from '../../db/precompiled.js';
import { sharedRead, sharedReadChanged } from '../../db/shared-read.js';

// A broken or over-deep stored document reads as null instead of failing every list that includes the row.
const json = (v: string | null) => storedJsonObject(v);
type Exec = Kysely<Database> | Transaction<Database>;
const COUNT_KEY = 'user-count';

export function toUserModel(row: Selectable<UserTable>): UserModel {
  return { ...row, role: row.role as UserRole, info: json(row.info), settings: json(row.settings) };
}

export interface NewUser {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  profile_image_url: string;
}

const USER_BY_ID = new Precompiled<Selectable<UserTable>>(1, (k, id) =>
  (k as unknown as Kysely<Database>).selectFrom('user').selectAll().where('id', '=', id!),
);

export type UserPatch = Partial<Pick<UserTable, 'name' | 'email' | 'role' | 'profile_image_url' | 'bio' | 'gender' | 'date_of_birth' | 'api_key' | 'last_active_at'>>;

const ORDER_COLUMNS = ['name', 'email', 'created_at', 'last_active_at', 'updated_at', 'role'] as const;
type OrderColumn = (typeof ORDER_COLUMNS)[number];
export const PAGE_SIZE = 30;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

/** SQL for the `user` table. Emails are compared lowercased (the unique index is on lower(email)). */
export class UsersRepository {
  constructor(private readonly db: Db) {}

  async findById(id: string): Promise<UserModel | undefined> {
    const [row] = await USER_BY_ID.rows(this.db, [id]); // every authenticated request: compiled once
    return row && toUserModel(row);
  }

  async findByEmail(email: string, exec: Exec = this.db.kysely): Promise<UserModel | undefined> {
    const row = await exec
      .selectFrom('user')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
      .executeTakeFirst();
    return row && toUserModel(row);
  }

  async findByApiKey(apiKey: string): Promise<UserModel | undefined> {
    const row = await this.db.kysely.selectFrom('user').selectAll().where('api_key', '=', apiKey).executeTakeFirst();
    return row && toUserModel(row);
  }

  async count(exec: Exec = this.db.kysely): Promise<number> {
    const r = await exec.selectFrom('user').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * The count `/api/config` shows on every page load, kept while SQLite's change stamp holds
   * (db/shared-read.ts; read every time on PostgreSQL). What decides a role (the first account is the
   * admin) reads `count()`.
   */
  sharedCount(): Promise<number> {
    return sharedRead(this.db, COUNT_KEY, () => this.count(), 0);
  }

  /** The primary admin is the oldest account; it cannot be demoted or deleted. */
  async findFirst(): Promise<UserModel | undefined> {
    // created_at has one-second resolution: among accounts made in the same second the admin (the
    // first sign-up) is the primary one.
    const row = await this.db.kysely
      .selectFrom('user')
      .selectAll()
      .orderBy('created_at', 'asc')
      .orderBy(sql`case when role = 'admin' then 0 else 1 end`)
      .orderBy('id', 'asc')
      .limit(1)
      .executeTakeFirst();
    return row && toUserModel(row);
  }

  async insert(exec: Exec, u: NewUser): Promise<UserModel> {
    const now = Math.floor(Date.now() / 1000);
    const row = {
      ...u,
      username: null,
      bio: null,
      gender: null,
      date_of_birth: null,
      info: null,
      settings: null,
      api_key: null,
      oauth_sub: null,
      last_active_at: now,
      updated_at: now,
      created_at: now,
    };
    await exec.insertInto('user').values(row).execute();
    sharedReadChanged(this.db, COUNT_KEY);
    return toUserModel(row);
  }

  async update(id: string, patch: UserPatch, exec: Exec = this.db.kysely): Promise<UserModel | undefined> {
    const touched = patch.last_active_at !== undefined && Object.keys(patch).length === 1 ? {} : { updated_at: Math.floor(Date.now() / 1000) };
    await exec.updateTable('user').set({ ...patch, ...touched }).where('id', '=', id).execute();
    const row = await exec.selectFrom('user').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUserModel(row);
  }

  async setJson(id: string, column: 'settings' | 'info', value: Record<string, unknown>): Promise<void> {
    await this.db.kysely
      .updateTable('user')
      .set({ [column]: JSON.stringify(value), updated_at: Math.floor(Date.now() / 1000) })
      .where('id', '=', id)
      .execute();
  }

  /** The account, its credentials and its chats go together or not at all. */
  async delete(id: string): Promise<boolean> {
    return this.db.kysely.transaction().execute(async (tx) => {
      await tx.deleteFrom('chat').where('user_id', '=', id).execute();
      await tx.deleteFrom('auth').where('id', '=', id).execute();
      await tx.deleteFrom('token_cutoff').where('user_id', '=', id).execute();
      const r = await tx.deleteFrom('user').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    }).finally(() => sharedReadChanged(this.db, COUNT_KEY));
  }

  /** One page of users matching `query` (name or email, case-insensitive), and how many match in all. */
  async list(opts: { query?: string; orderBy?: string; direction?: 'asc' | 'desc'; page?: number; all?: boolean }) {
    const k = this.db.kysely;
    let q = k.selectFrom('user');
    if (opts.query) {
      const pattern = `%${escapeLike(opts.query.toLowerCase())}%`;
      q = q.where((eb) =>
        eb.or([
          eb(sql`lower(name)`, 'like', sql`${pattern} escape '\\'`),
          eb(sql`lower(email)`, 'like', sql`${pattern} escape '\\'`),
        ]),
      );
    }
    const { n } = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const column: OrderColumn = (ORDER_COLUMNS as readonly string[]).includes(opts.orderBy ?? '') ? (opts.orderBy as OrderColumn) : 'created_at';
    let rows = q.selectAll().orderBy(column, opts.direction ?? 'asc').orderBy('id', 'asc');
    if (!opts.all) rows = rows.limit(PAGE_SIZE).offset(((opts.page ?? 1) - 1) * PAGE_SIZE);
    return { users: (await rows.execute()).map(toUserModel), total: Number(n) };
  }

  /** Owner of a chat (`shared-<chatId>` lookups on the user route). */
  async chatOwner(chatId: string): Promise<string | undefined> {
    const r = await this.db.kysely.selectFrom('chat').select('user_id').where('id', '=', chatId).executeTakeFirst();
    return r?.user_id;
  }
}

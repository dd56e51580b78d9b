import type { Selectable } from 'kysely';
import type { UserModel, UserRole } from '@owui/contracts';
import type { Db } from '../../db/database.js';
import type { UserTable } from '../../db/tables.js';

const json = (v: string | null) => (v ? (JSON.parse(v) as Record<string, unknown>) : null);

export function toUserModel(row: Selectable<UserTable>): UserModel {
  return { ...row, role: row.role as UserRole, info: json(row.info), settings: json(row.settings) };
}

/** SQL for the `user` table. Emails are compared lowercased (the unique index is on lower(email)). */
export class UsersRepository {
  constructor(private readonly db: Db) {}

  async findById(id: string): Promise<UserModel | undefined> {
    const row = await this.db.kysely.selectFrom('user').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUserModel(row);
  }

  async findByEmail(email: string): Promise<UserModel | undefined> {
    const row = await this.db.kysely
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

  async count(): Promise<number> {
    const r = await this.db.kysely.selectFrom('user').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The primary admin is the oldest account; it cannot be demoted or deleted. */
  async findFirst(): Promise<UserModel | undefined> {
    const row = await this.db.kysely.selectFrom('user').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').limit(1).executeTakeFirst();
    return row && toUserModel(row);
  }
}

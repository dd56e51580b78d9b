import type { UserModel, UserRole, UserUpdateForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { AuthsService } from '../auths/auths.service.js';
import { hasPermission } from './permissions.js';
import type { UsersRepository } from './users.repository.js';

/** A user as other people (admins included) see it: never the API key. */
export function withoutSecrets(u: UserModel): Omit<UserModel, 'api_key'> {
  const { api_key: _key, ...rest } = u;
  return rest;
}

// "Active" means seen within this window; there is no presence tracking beyond last_active_at.
const ACTIVE_WINDOW_SECONDS = 180;

/** Who may change whom: the primary admin (oldest account) is protected from other admins. */
export class UsersService {
  readonly users: UsersRepository;
  constructor(
    private readonly ctx: AppContext,
    private readonly auths: AuthsService,
  ) {
    this.users = auths.users;
  }

  async #target(id: string): Promise<UserModel> {
    const user = await this.users.findById(id);
    if (!user) throw new ApiError(400, ERROR_MESSAGES.USER_NOT_FOUND);
    return user;
  }

  async publicInfo(idOrShared: string) {
    let id = idOrShared;
    if (id.startsWith('shared-')) {
      const owner = await this.users.chatOwner(id.slice('shared-'.length));
      if (!owner) throw new ApiError(400, ERROR_MESSAGES.USER_NOT_FOUND);
      id = owner;
    }
    const user = await this.#target(id);
    const active = user.last_active_at >= Math.floor(Date.now() / 1000) - ACTIVE_WINDOW_SECONDS;
    return { name: user.name, profile_image_url: user.profile_image_url, active };
  }

  async updateRole(admin: UserModel, id: string, role: UserRole) {
    const primary = await this.users.findFirst();
    if (id === admin.id || id === primary?.id) throw new ApiError(403, ERROR_MESSAGES.ACTION_PROHIBITED);
    await this.#target(id);
    const user = await this.users.update(id, { role });
    return withoutSecrets(user!);
  }

  async update(admin: UserModel, id: string, form: UserUpdateForm) {
    const target = await this.#target(id);
    const primary = await this.users.findFirst();
    if (target.id === primary?.id) {
      if (admin.id !== target.id || form.role !== 'admin') throw new ApiError(403, ERROR_MESSAGES.ACTION_PROHIBITED);
    }
    const email = this.auths.normaliseEmail(form.email);
    if (email !== target.email) {
      const other = await this.users.findByEmail(email);
      if (other && other.id !== target.id) throw new ApiError(400, ERROR_MESSAGES.EMAIL_TAKEN);
    }
    if (form.password) this.auths.passwords.check(form.password);
    let updated: UserModel | undefined;
    try {
      updated = await this.ctx.db.kysely.transaction().execute(async (tx) => {
        await this.auths.auths.updateEmail(tx, id, email);
        return this.users.update(id, { role: form.role, name: form.name, email, profile_image_url: form.profile_image_url }, tx);
      });
    } catch (err) {
      if (await this.users.findByEmail(email).then((u) => u && u.id !== id)) throw new ApiError(400, ERROR_MESSAGES.EMAIL_TAKEN);
      throw err;
    }
    if (form.password) await this.auths.setPassword(id, form.password);
    return withoutSecrets(updated!);
  }

  async delete(admin: UserModel, id: string): Promise<boolean> {
    const primary = await this.users.findFirst();
    if (id === admin.id || id === primary?.id) throw new ApiError(403, ERROR_MESSAGES.ACTION_PROHIBITED);
    await this.#target(id);
    if (!(await this.users.delete(id))) throw new ApiError(500, ERROR_MESSAGES.DELETE_USER_ERROR);
    return true;
  }

  async saveSettings(user: UserModel, settings: Record<string, unknown>): Promise<Record<string, unknown>> {
    const next = structuredClone(settings);
    const ui = next.ui as Record<string, unknown> | undefined;
    // Direct tool servers run code paths of the user's choosing; only those allowed may keep them.
    if (ui && 'toolServers' in ui && !(await hasPermission(this.ctx, user, 'features.direct_tool_servers'))) delete ui.toolServers;
    await this.users.setJson(user.id, 'settings', next);
    return next;
  }

  async mergeInfo(user: UserModel, patch: Record<string, unknown>): Promise<Record<string, unknown>> {
    const info = { ...(user.info ?? {}), ...patch };
    await this.users.setJson(user.id, 'info', info);
    return info;
  }
}

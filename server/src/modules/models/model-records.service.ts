/**
 * ModelRecordsService — the rules of `/api/v1/models/*` (Open WebUI 0.6.34 routers/models.py):
 * who may list, create, read, change and delete model records, with the original's status codes and
 * messages. Routes only parse and call this.
 */
import type { ModelForm, ModelRecord, UserModel } from '@owui/contracts';
import { ModelForm as ModelFormSchema } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { canAccess } from '../access/access-control.js';
import { GroupsRepository } from '../groups/groups.repository.js';
import { assertPermission, hasPermission } from '../users/permissions.js';
import { UsersRepository } from '../users/users.repository.js';
import { withoutSecrets } from '../users/users.service.js';
import { ModelRecordsRepository } from './model-records.repository.js';

type Caller = UserModel;
const MAX_ID = 256;

export const MODEL_MESSAGES = {
  MODEL_ID_TAKEN: 'Uh-oh! This model id is already registered. Please choose another model id string.',
  MODEL_ID_TOO_LONG: 'The model id is too long. Please make sure your model id is less than 256 characters long.',
} as const;

export class ModelRecordsService {
  readonly repo: ModelRecordsRepository;
  readonly #groups: GroupsRepository;
  readonly #users: UsersRepository;

  constructor(private readonly ctx: AppContext) {
    this.repo = ModelRecordsRepository.for(ctx);
    this.#groups = GroupsRepository.for(ctx);
    this.#users = new UsersRepository(ctx.db);
  }

  #adminBypass(user: Caller): boolean {
    return user.role === 'admin' && this.ctx.config.permissions.bypassAdminAccessControl;
  }

  async #found(id: string): Promise<ModelRecord> {
    const model = await this.repo.get(id);
    if (!model) throw new ApiError(401, ERROR_MESSAGES.NOT_FOUND);
    return model;
  }

  async #may(user: Caller, type: 'read' | 'write', model: ModelRecord): Promise<boolean> {
    if (user.role === 'admin') return type === 'write' || this.#adminBypass(user) || canAccess(user, await this.#groups.groupIdsForUser(user.id), type, model);
    return canAccess(user, await this.#groups.groupIdsForUser(user.id), type, model);
  }

  /** Non-admins may make a record public only with `sharing.public_models`. */
  async #checkSharing(user: Caller, form: ModelForm): Promise<void> {
    if (form.access_control === null && user.role !== 'admin' && !(await hasPermission(this.ctx, user, 'sharing.public_models'))) {
      throw new ApiError(401, ERROR_MESSAGES.UNAUTHORIZED);
    }
  }

  /** Presets the caller can edit (admins: all), each with its owner, as the workspace page lists them. */
  async list(user: Caller): Promise<(ModelRecord & { user: unknown })[]> {
    const presets = (await this.repo.all()).filter((m) => m.base_model_id !== null);
    let visible = presets;
    if (!this.#adminBypass(user)) {
      const groupIds = await this.#groups.groupIdsForUser(user.id);
      visible = presets.filter((m) => canAccess(user, groupIds, 'write', m));
    }
    const owners = new Map<string, unknown>();
    for (const id of new Set(visible.map((m) => m.user_id))) {
      const u = await this.#users.findById(id);
      if (u) owners.set(id, withoutSecrets(u));
    }
    return visible.map((m) => ({ ...m, user: owners.get(m.user_id) ?? null }));
  }

  async base(): Promise<ModelRecord[]> {
    return (await this.repo.all()).filter((m) => m.base_model_id === null);
  }

  async create(user: Caller, form: ModelForm): Promise<ModelRecord> {
    await assertPermission(this.ctx, user, 'workspace.models');
    if (await this.repo.get(form.id)) throw new ApiError(401, MODEL_MESSAGES.MODEL_ID_TAKEN);
    if (form.id.length > MAX_ID) throw new ApiError(400, MODEL_MESSAGES.MODEL_ID_TOO_LONG);
    await this.#checkSharing(user, form);
    try {
      return await this.repo.insert(user.id, form);
    } catch {
      // Lost a race with a concurrent create of the same id (unique key).
      throw new ApiError(401, MODEL_MESSAGES.MODEL_ID_TAKEN);
    }
  }

  async get(user: Caller, id: string): Promise<ModelRecord> {
    const model = await this.#found(id);
    if (!(await this.#may(user, 'read', model))) throw new ApiError(401, ERROR_MESSAGES.NOT_FOUND);
    return model;
  }

  async update(user: Caller, id: string, form: ModelForm): Promise<ModelRecord> {
    const model = await this.#found(id);
    if (!(await this.#may(user, 'write', model))) throw new ApiError(400, ERROR_MESSAGES.ACCESS_PROHIBITED);
    if (form.access_control === null && model.access_control !== null) await this.#checkSharing(user, form);
    return (await this.repo.update(id, form)) ?? model;
  }

  async toggle(user: Caller, id: string): Promise<ModelRecord> {
    const model = await this.#found(id);
    if (!(await this.#may(user, 'write', model))) throw new ApiError(401, ERROR_MESSAGES.UNAUTHORIZED);
    const toggled = await this.repo.toggle(id);
    if (!toggled) throw new ApiError(400, ERROR_MESSAGES.DEFAULT('Error updating function'));
    return toggled;
  }

  async delete(user: Caller, id: string): Promise<boolean> {
    const model = await this.#found(id);
    if (!(await this.#may(user, 'write', model))) throw new ApiError(401, ERROR_MESSAGES.UNAUTHORIZED);
    return this.repo.delete(id);
  }

  /** Admin import: existing ids are updated (fields given win), new ones inserted; bad entries are a 400. */
  async import(user: Caller, models: Record<string, unknown>[]): Promise<boolean> {
    // One entry per id: a later duplicate in the same file wins.
    const forms = new Map<string, { form: ModelForm; existing: ModelRecord | null }>();
    for (const [i, raw] of models.entries()) {
      const id = typeof raw.id === 'string' ? raw.id : '';
      if (!id || id.length > MAX_ID) continue; // the original skips entries without a usable id
      const existing = await this.repo.get(id);
      const parsed = ModelFormSchema.safeParse({ ...(existing ?? {}), ...raw, meta: raw.meta ?? {}, params: raw.params ?? {} });
      if (!parsed.success) throw new ApiError(400, `Invalid model at index ${i}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      forms.set(id, { form: parsed.data, existing });
    }
    for (const { form, existing } of forms.values()) {
      if (existing) await this.repo.update(form.id, form);
      else await this.repo.insert(user.id, form);
    }
    return true;
  }

  async sync(user: Caller, models: ModelForm[]): Promise<ModelRecord[]> {
    for (const m of models) if (m.id.length > MAX_ID) throw new ApiError(400, MODEL_MESSAGES.MODEL_ID_TOO_LONG);
    if (new Set(models.map((m) => m.id)).size !== models.length) throw new ApiError(400, 'Duplicate model id in the list');
    return this.repo.replaceAll(user.id, models);
  }
}

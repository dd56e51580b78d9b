/**
 * Who sees and who may use a model — the one home of Open WebUI's model access rule, called by
 * `/api/models`, `/api/chat/completions`, `/ollama/*`, `/openai/*` (and later tasks, RAG, tools).
 *
 * Rule (0.6.34 utils/models.py, routers/ollama.py, routers/openai.py):
 * - BYPASS_MODEL_ACCESS_CONTROL=true, or an admin while BYPASS_ADMIN_ACCESS_CONTROL=true (default):
 *   every model.
 * - Otherwise a model is visible and usable only when a model record with its id exists, is active,
 *   and the user owns it or may read it (`access_control` null = public, or a read grant for the
 *   user or one of their groups). A base model without a record is admin-only.
 * - Ollama ids carry a tag ("llama3:latest"); a record named without the tag ("llama3") also counts,
 *   as the original's list decoration matches it, and "llama3" finds a "llama3:latest" record.
 *
 * API:
 *   const access = await ModelAccess.load(ctx, user)   // one read of records + the user's groups
 *   access.canUse(modelId) -> boolean;  access.record(modelId) -> ModelRecord | null
 *   access.filter(items, (m) => m.id)                  // list filtering
 *   await authorizeModelUse(ctx, user, modelId, deny)  // throws deny (e.g. 403 "Model not found")
 */
import type { ModelRecord, UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { canAccess } from '../access/access-control.js';
import { GroupsRepository } from '../groups/groups.repository.js';
import { ModelRecordsRepository } from './model-records.repository.js';

type AccessCtx = Pick<AppContext, 'config' | 'db'>;
type Caller = Pick<UserModel, 'id' | 'role'>;

/** True when the access rule does not apply to this caller at all. */
export function bypassesModelAccess(ctx: AccessCtx, user: Caller): boolean {
  return ctx.config.models.bypassAccessControl || (user.role === 'admin' && ctx.config.permissions.bypassAdminAccessControl);
}

/** The record that governs a model id: exact, else (Ollama tags) the name before ':'. */
export function recordFor(records: ReadonlyMap<string, ModelRecord>, modelId: string): ModelRecord | null {
  const exact = records.get(modelId);
  if (exact) return exact;
  const i = modelId.indexOf(':');
  if (i > 0) return records.get(modelId.slice(0, i)) ?? null;
  return records.get(`${modelId}:latest`) ?? null; // Ollama reads "llama3" as "llama3:latest"
}

/** Filters a list for the caller (the lists of /ollama and /openai). */
export async function visibleTo<T>(ctx: AccessCtx, user: Caller, items: readonly T[], idOf: (item: T) => string): Promise<T[]> {
  if (bypassesModelAccess(ctx, user)) return [...items];
  return (await ModelAccess.load(ctx, user)).filter(items, idOf);
}

export class ModelAccess {
  private constructor(
    private readonly user: Caller,
    private readonly bypass: boolean,
    readonly records: ReadonlyMap<string, ModelRecord>,
    private readonly groupIds: readonly string[],
  ) {}

  static async load(ctx: AccessCtx, user: Caller): Promise<ModelAccess> {
    // Shared reads (db/shared-read.ts): this runs on every proxied request.
    const [records, groups] = await Promise.all([ModelRecordsRepository.for(ctx).byId(), GroupsRepository.for(ctx).shared()]);
    const groupIds = groups.filter((g) => g.user_ids.includes(user.id)).map((g) => g.id);
    return new ModelAccess(user, bypassesModelAccess(ctx, user), records, groupIds);
  }

  record(modelId: string): ModelRecord | null {
    return recordFor(this.records, modelId);
  }

  canUse(modelId: string): boolean {
    if (this.bypass) return true;
    const record = this.record(modelId);
    return Boolean(record && record.is_active && canAccess(this.user, this.groupIds, 'read', record));
  }

  filter<T>(items: readonly T[], idOf: (item: T) => string): T[] {
    return this.bypass ? [...items] : items.filter((m) => this.canUse(idOf(m)));
  }
}

export interface Deny {
  status: number;
  detail: string;
}

/** The original's refusals: `/api/chat/completions` answers 400, the `/ollama` and `/openai` proxies 403. */
export const DENY_CHAT: Deny = { status: 400, detail: ERROR_MESSAGES.MODEL_NOT_FOUND_SHORT };
export const DENY_PROXY: Deny = { status: 403, detail: ERROR_MESSAGES.MODEL_NOT_FOUND_SHORT };

/**
 * The check every generation route makes before anything goes upstream. Returns the access view (its
 * `record(modelId)` is the preset or decoration to apply, see model-presets.ts).
 */
export async function authorizeModelUse(ctx: AccessCtx, user: Caller, modelId: string, deny: Deny): Promise<ModelAccess> {
  const access = await ModelAccess.load(ctx, user);
  if (!access.canUse(modelId)) throw new ApiError(deny.status, deny.detail);
  return access;
}

/**
 * Permissions: the one place that answers "may this user do X?".
 *
 * - Defaults: `USER_PERMISSIONS` (PersistentConfig, seeded from the USER_PERMISSIONS_* env variables,
 *   config/permissions-env.ts; editable at /api/v1/users/default/permissions), laid over the env tree
 *   so a tree saved by an older build gains new flags.
 * - Effective: defaults merged with the permissions of every group the user belongs to; for each flag
 *   the most permissive value wins (any group granting it grants it), as in the original.
 * - Admins hold every permission.
 *
 * API for routes (other features call these; keys are dotted paths such as 'workspace.knowledge',
 * 'chat.file_upload', 'features.web_search', 'features.image_generation', 'features.code_interpreter'):
 *   await hasPermission(ctx, user, 'features.web_search')           -> boolean
 *   await assertPermission(ctx, user, 'workspace.models')           -> throws 401 UNAUTHORIZED
 *   app.post(url, { preHandler: requirePermission(ctx, 'workspace.prompts'), ... })
 *   await permissionsFor(ctx, user)                                 -> the effective tree
 *
 * Enforced here: workspace.models / workspace.prompts (create), sharing.public_models /
 * sharing.public_prompts (making an item public), chat.delete, chat.share, chat.temporary (local: chats),
 * features.api_keys, features.direct_tool_servers.
 * SEAMS for features built elsewhere (call assertPermission where the action happens, 401 UNAUTHORIZED
 * like the original unless it says otherwise): workspace.knowledge (create knowledge),
 * workspace.tools (create tools), chat.file_upload (upload files), features.web_search,
 * features.image_generation, features.code_interpreter (the chat features of a request),
 * chat.temporary_enforced (refuse saved chats), sharing.public_knowledge / public_tools.
 */
import type { FastifyRequest } from 'fastify';
import type { UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { GroupsRepository } from '../groups/groups.repository.js';
import type { DEFAULT_USER_PERMISSIONS } from '../../config/permissions-env.js';
import { getOwn, isUnsafeKey, setOwn } from '../../security/own-keys.js';
import { derivedPer } from '../../config/derived.js';

/** The parts of the app context permissions need (auth code holds a context without a logger). */
export type PermissionContext = Pick<AppContext, 'config' | 'settings' | 'db'>;

export type PermissionTree = Record<string, unknown>;

type Defaults = typeof DEFAULT_USER_PERMISSIONS;
/** Every permission as a dotted key ('chat.delete', 'features.web_search'...): typos fail to compile. */
export type PermissionKey = { [S in keyof Defaults]: `${S & string}.${keyof Defaults[S] & string}` }[keyof Defaults];
type Tree = PermissionTree;
const isTree = (v: unknown): v is Tree => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/** Stored values over defaults, section by section. */
export function mergePermissions(base: Tree, over: Tree): Tree {
  const out: Tree = structuredClone(base);
  for (const [k, v] of Object.entries(over)) {
    const cur = getOwn(out, k);
    setOwn(out, k, isTree(v) && isTree(cur) ? mergePermissions(cur, v) : v);
  }
  return out;
}

/** Group grants into `into`: booleans OR-ed (True > False), other leaves kept when already set. */
export function combinePermissions(into: Tree, grant: Tree): Tree {
  // Stored group documents may carry any key (adopted databases too): own properties only.
  for (const [k, v] of Object.entries(grant)) {
    if (isUnsafeKey(k)) continue;
    const cur = getOwn(into, k);
    if (isTree(v)) setOwn(into, k, combinePermissions(isTree(cur) ? (cur as Tree) : {}, v));
    else setOwn(into, k, cur === undefined ? v : Boolean(cur) || Boolean(v));
  }
  return into;
}

function freezeTree(tree: Tree): Tree {
  for (const v of Object.values(tree)) if (isTree(v)) freezeTree(v);
  return Object.freeze(tree);
}

const mergedDefaults = derivedPer<Tree>();

/** The default tree in force (what `/users/default/permissions` shows). Frozen: callers share it. */
export function defaultPermissions(ctx: Pick<AppContext, 'config' | 'settings'>): Tree {
  const base = ctx.config.permissions.defaults as Tree;
  const over = ctx.settings.get('USER_PERMISSIONS');
  // The stored tree is copied first: freezing must not reach into the settings' own value.
  return mergedDefaults(ctx.settings, [base, over], () => freezeTree(mergePermissions(base, structuredClone(over))));
}

/**
 * Effective permissions: defaults with every group's grants OR-ed in. The groups are the shared read
 * of GroupsRepository (a change made on another instance applies within a second). Read-only: a user
 * in no granting group gets the shared default tree itself.
 */
export async function permissionsFor(ctx: PermissionContext, user: Pick<UserModel, 'id'>): Promise<Tree> {
  const defaults = defaultPermissions(ctx);
  const grants: Tree[] = [];
  for (const g of await GroupsRepository.for(ctx).shared()) if (g.permissions && g.user_ids.includes(user.id)) grants.push(g.permissions);
  if (!grants.length) return defaults;
  const tree = structuredClone(defaults);
  for (const grant of grants) combinePermissions(tree, grant);
  return tree;
}

function lookup(tree: Tree, dotted: string): boolean {
  let node: unknown = tree;
  for (const part of dotted.split('.')) node = isTree(node) && Object.hasOwn(node, part) ? node[part] : undefined;
  return node === true;
}

export async function hasPermission(ctx: PermissionContext, user: Pick<UserModel, 'id' | 'role'>, dotted: PermissionKey): Promise<boolean> {
  if (user.role === 'admin') return true;
  return lookup(await permissionsFor(ctx, user), dotted);
}

export interface DenyAs {
  status?: number;
  detail?: string;
}

/** Throws the original's refusal (401 "401 Unauthorized" unless told otherwise) when not permitted. */
export async function assertPermission(ctx: PermissionContext, user: Pick<UserModel, 'id' | 'role'>, dotted: PermissionKey, deny: DenyAs = {}): Promise<void> {
  if (!(await hasPermission(ctx, user, dotted))) throw new ApiError(deny.status ?? 401, deny.detail ?? ERROR_MESSAGES.UNAUTHORIZED);
}

/** Route guard: `preHandler: requirePermission(ctx, 'workspace.models')` (after the auth guard). */
export function requirePermission(ctx: PermissionContext, dotted: PermissionKey, deny: DenyAs = {}) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!request.user) throw new ApiError(401, ERROR_MESSAGES.NOT_AUTHENTICATED);
    await assertPermission(ctx, request.user, dotted, deny);
  };
}

import type { UserModel } from '@owui/contracts';
import { DEFAULT_USER_PERMISSIONS } from '../../config/persistent-keys.js';
import type { PersistentConfig } from '../../config/persistent.js';
import { getOwn, setOwn } from '../../security/own-keys.js';

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/** Stored values over code defaults, section by section, so a tree saved by an older build gains new flags. */
export function mergePermissions(base: Tree, over: Tree): Tree {
  const out: Tree = structuredClone(base);
  for (const [k, v] of Object.entries(over)) {
    const cur = getOwn(out, k);
    setOwn(out, k, isTree(v) && isTree(cur) ? mergePermissions(cur, v) : v);
  }
  return out;
}

/** The default permission tree in force (what `/users/default/permissions` shows). */
export function defaultPermissions(settings: PersistentConfig): Tree {
  return mergePermissions(DEFAULT_USER_PERMISSIONS, settings.get('USER_PERMISSIONS'));
}

/**
 * A user's effective permissions. Groups are not implemented, so this is the default tree; the
 * seam stays so group grants can be unioned in later.
 */
export function permissionsFor(_user: UserModel, settings: PersistentConfig): Tree {
  return defaultPermissions(settings);
}

/** `features.api_keys`-style lookup; admins hold every permission. */
export function hasPermission(user: UserModel, settings: PersistentConfig, dotted: string): boolean {
  if (user.role === 'admin') return true;
  let node: unknown = permissionsFor(user, settings);
  for (const part of dotted.split('.')) node = isTree(node) ? getOwn(node, part) : undefined;
  return node === true;
}

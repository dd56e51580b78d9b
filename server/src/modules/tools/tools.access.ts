import type { UserModel } from '@owui/contracts';
import { hasAccess, parseAccessControl } from '../access/access-control.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/**
 * Who may see and use an admin tool server: the connection's `config.access_control`, read by the shared
 * access-control evaluator (null = everyone may read; {} = nobody but admins; otherwise the listed users
 * and groups). Admins bypass, as the original's BYPASS_ADMIN_ACCESS_CONTROL default does.
 */
export function canUseToolServer(user: UserModel, groupIds: readonly string[], connection: Json): boolean {
  if (user.role === 'admin') return true;
  const config = isObj(connection.config) ? connection.config : {};
  if (config.access_control === undefined) return true;
  return hasAccess(user.id, groupIds, 'read', parseAccessControl(config.access_control));
}

export function accessControlOf(connection: Json): Json | null {
  const config = isObj(connection.config) ? connection.config : {};
  return isObj(config.access_control) ? config.access_control : null;
}

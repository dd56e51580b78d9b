import type { UserModel } from '@owui/contracts';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/**
 * Who may see and use an admin tool server: the connection's `config.access_control`, read like the
 * original's has_access (null = everyone may read; {} = nobody but admins; otherwise listed users/groups).
 * Admins bypass (BYPASS_ADMIN_ACCESS_CONTROL defaults to true in the original).
 *
 * SEAM(access-control): the shared access-control evaluator (another feature, being written) should
 * replace the body below, so group grants (`read.group_ids`) count. Until then only `read.user_ids` does.
 */
export function canUseToolServer(user: UserModel, connection: Json): boolean {
  if (user.role === 'admin') return true;
  const config = isObj(connection.config) ? connection.config : {};
  const ac = config.access_control;
  if (ac === null || ac === undefined) return true;
  if (!isObj(ac)) return false;
  const read = isObj(ac.read) ? ac.read : {};
  return Array.isArray(read.user_ids) && read.user_ids.includes(user.id);
}

export function accessControlOf(connection: Json): Json | null {
  const config = isObj(connection.config) ? connection.config : {};
  return isObj(config.access_control) ? config.access_control : null;
}

import type { UserRole } from '@owui/contracts';

/**
 * Claim helpers with the original's rules. Claim names may be dotted paths into nested objects
 * ("realm_access.roles"); own properties only, so a claim named "__proto__" or "constructor" finds
 * nothing rather than Object.prototype.
 */
export function claimAt(data: Record<string, unknown>, dotted: string): unknown {
  let node: unknown = data;
  for (const part of dotted.split('.')) {
    if (!node || typeof node !== 'object' || Array.isArray(node) || !Object.prototype.hasOwnProperty.call(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** A claim as a list of strings: a list stays a list, one string or number becomes a list of one. */
export function claimList(data: Record<string, unknown>, dotted: string): string[] {
  if (!dotted) return [];
  const v = claimAt(data, dotted);
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String);
  if (typeof v === 'string' || typeof v === 'number') return [String(v)];
  return [];
}

export function claimString(data: Record<string, unknown>, dotted: string): string {
  if (!dotted) return '';
  const v = claimAt(data, dotted);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

export interface RoleRules {
  enableRoleManagement: boolean;
  rolesClaim: string;
  allowedRoles: string[];
  adminRoles: string[];
  defaultRole: UserRole;
}

/**
 * The original's get_user_role: the first account (and a lone existing one) is admin; with role
 * management an admin role in the claim makes admin, an allowed role makes user, anything else gets
 * DEFAULT_USER_ROLE; without it new users get DEFAULT_USER_ROLE and existing ones keep theirs.
 */
export function determineRole(existing: { role: UserRole } | null, userCount: number, claims: Record<string, unknown>, rules: RoleRules): UserRole {
  if (existing && userCount === 1) return 'admin';
  if (!existing && userCount === 0) return 'admin';
  if (!rules.enableRoleManagement) return existing ? existing.role : rules.defaultRole;
  let role: UserRole = rules.defaultRole;
  const roles = rules.rolesClaim && rules.allowedRoles.length && rules.adminRoles.length ? claimList(claims, rules.rolesClaim) : [];
  if (roles.length) {
    if (rules.allowedRoles.some((r) => roles.includes(r))) role = 'user';
    if (rules.adminRoles.some((r) => roles.includes(r))) role = 'admin';
  }
  return role;
}

/**
 * OAUTH_BLOCKED_GROUPS entries, as the original matches them: exact names, regular expressions (when
 * the entry has regex characters) and shell-style wildcards (`*`, `?`). Entries are the admin's.
 */
export function isBlockedGroup(name: string, blocked: string[]): boolean {
  return blocked.some((pattern) => {
    if (!pattern) return false;
    if (pattern === name) return true;
    if (/[\^$[\](){}+\\|]/.test(pattern)) {
      try {
        if (new RegExp(pattern).test(name)) return true;
      } catch {
        /* not a valid regex: try it as a wildcard */
      }
    }
    if (/[*?]/.test(pattern)) {
      const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
      return re.test(name);
    }
    return false;
  });
}

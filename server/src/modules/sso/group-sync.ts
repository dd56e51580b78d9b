import type { AppContext } from '../../context.js';
import { isBlockedGroup } from './claims.js';

/**
 * Identity-managed group membership: the one place OAuth (ENABLE_OAUTH_GROUP_MANAGEMENT), LDAP
 * (ENABLE_LDAP_GROUP_MANAGEMENT) and the trusted groups header (WEBUI_AUTH_TRUSTED_GROUPS_HEADER) hand
 * the IdP's group names for a user. Callers have already skipped admins, as the original does.
 *
 * Rules to implement (the original's update_user_groups / sync_groups_by_group_names):
 * - `create`: groups named here that do not exist are created first (owner: the primary admin, else
 *   the user), description "Group '<name>' created automatically via OAuth.", permissions =
 *   USER_PERMISSIONS, user_ids [].
 * - the user is added to every existing group named here (by `group.name`), and removed from every
 *   group not named here, except groups matching `blocked` (OAUTH_BLOCKED_GROUPS), which are never
 *   touched. An empty list leaves membership unchanged (OAuth) — the original's LDAP/header variant
 *   does the same because callers only call with a non-empty list.
 * - membership is the `group.user_ids` JSON array of Open WebUI 0.6.34's `group` table.
 */
export interface GroupSyncOptions {
  /** Create missing groups (ENABLE_OAUTH_GROUP_CREATION / ENABLE_LDAP_GROUP_CREATION). */
  create?: boolean;
  /** OAUTH_BLOCKED_GROUPS: names/patterns whose membership is never changed. */
  blocked?: string[];
  /** Who asked, for the log line. */
  source: 'oauth' | 'ldap' | 'trusted-header';
}

export async function syncUserGroups(ctx: Pick<AppContext, 'log'>, userId: string, groupNames: string[], opts: GroupSyncOptions): Promise<void> {
  const names = [...new Set(groupNames.map((n) => n.trim()).filter(Boolean))].filter((n) => !isBlockedGroup(n, opts.blocked ?? []));
  if (!names.length) return;
  // ==== SEAM: group table ====================================================================
  // The `group` table (Open WebUI 0.6.34's, with `user_ids` JSON) is being added by the groups
  // feature on another branch. When it lands, replace this block with the rules above, using its
  // repository (find groups by name, create, update user_ids) inside one transaction.
  ctx.log.info({ userId, groups: names, create: Boolean(opts.create), source: opts.source }, 'group sync requested (group table not available yet)');
  // ==== END SEAM ==============================================================================
}

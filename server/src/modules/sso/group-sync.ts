import type { AppContext } from '../../context.js';
import type { GroupForm } from '@owui/contracts';
import { GroupsRepository } from '../groups/groups.repository.js';
import { UsersRepository } from '../users/users.repository.js';
import { isBlockedGroup } from './claims.js';

/**
 * Identity-managed group membership: the one place OAuth (ENABLE_OAUTH_GROUP_MANAGEMENT), LDAP
 * (ENABLE_LDAP_GROUP_MANAGEMENT) and the trusted groups header (WEBUI_AUTH_TRUSTED_GROUPS_HEADER) hand
 * the IdP's group names for a user. Callers have already skipped admins, as the original does.
 *
 * The rules (the original's update_user_groups for OAuth, create_groups_by_group_names +
 * sync_groups_by_group_names for LDAP and the header) are implemented here against `GroupStore`; only
 * the store over Open WebUI 0.6.34's `group` table (`user_ids` JSON array) is missing: see the SEAM.
 */

export interface GroupRecord {
  id: string;
  name: string;
  user_ids: string[];
}

export interface NewGroup {
  /** Owner (`group.user_id`). */
  ownerId: string;
  name: string;
  description: string;
  /** `group.permissions`; null leaves the table's default. */
  permissions: Record<string, unknown> | null;
}

/** What group sync needs from the `group` table. */
export interface GroupStore {
  list(): Promise<GroupRecord[]>;
  create(group: NewGroup): Promise<GroupRecord>;
  /** Replaces `user_ids` (and bumps `updated_at`). */
  setMembers(groupId: string, userIds: string[]): Promise<void>;
}

/** The store over Open WebUI 0.6.34's `group` table, through the groups module's repository. */
export function groupStore(ctx: AppContext): GroupStore | null {
  const groups = GroupsRepository.for(ctx);
  return {
    list: async () => (await groups.list()).map((g) => ({ id: g.id, name: g.name, user_ids: g.user_ids })),
    create: async (g) => {
      const created = await groups.create(g.ownerId, { name: g.name, description: g.description, permissions: (g.permissions ?? null) as GroupForm['permissions'] });
      return { id: created.id, name: created.name, user_ids: created.user_ids };
    },
    setMembers: async (groupId, userIds) => {
      await groups.setMembers(groupId, userIds);
    },
  };
}

export interface GroupSyncOptions {
  /** Create missing groups (ENABLE_OAUTH_GROUP_CREATION / ENABLE_LDAP_GROUP_CREATION). */
  create?: boolean;
  /** OAUTH_BLOCKED_GROUPS: names/patterns whose membership is never changed. */
  blocked?: string[];
  /** Who asked: decides the owner and description of created groups, and the log line. */
  source: 'oauth' | 'ldap' | 'trusted-header';
}

export async function syncUserGroups(ctx: AppContext, userId: string, groupNames: string[], opts: GroupSyncOptions, store: GroupStore | null = groupStore(ctx)): Promise<void> {
  const blocked = opts.blocked ?? [];
  const names = [...new Set(groupNames.map((n) => String(n).trim()).filter(Boolean))];
  // An empty claim leaves membership alone (the original only syncs a non-empty list).
  if (!names.length) return;
  if (!store) {
    ctx.log.info({ userId, groups: names, create: Boolean(opts.create), source: opts.source }, 'group sync requested (group table not available yet)');
    return;
  }

  let all = await store.list();
  if (opts.create && opts.source !== 'trusted-header') {
    const existing = new Set(all.map((g) => g.name));
    const missing = names.filter((n) => !existing.has(n) && !isBlockedGroup(n, blocked));
    if (missing.length) {
      // OAuth: owned by the primary admin (else the user), described, with the default permissions.
      // LDAP: owned by the user, no description, like the original.
      let ownerId = userId;
      if (opts.source === 'oauth') {
        const primary = await new UsersRepository(ctx.db).findFirst();
        if (primary?.role === 'admin') ownerId = primary.id;
      }
      for (const name of missing) {
        await store.create({
          ownerId,
          name,
          description: opts.source === 'oauth' ? `Group '${name}' created automatically via OAuth.` : '',
          permissions: opts.source === 'oauth' ? (ctx.settings.get('USER_PERMISSIONS') as Record<string, unknown>) : null,
        });
      }
      all = await store.list();
    }
  }

  const wanted = new Set(names);
  for (const g of all) {
    if (isBlockedGroup(g.name, blocked)) continue;
    const member = g.user_ids.includes(userId);
    if (member && !wanted.has(g.name)) await store.setMembers(g.id, g.user_ids.filter((id) => id !== userId));
    else if (!member && wanted.has(g.name)) await store.setMembers(g.id, [...g.user_ids, userId]);
  }
  ctx.log.info({ userId, groups: names, source: opts.source }, 'group membership synchronised');
}

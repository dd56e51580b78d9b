import type { TableMapping } from '../types.js';
import { bool, epochSeconds, jsonObject, jsonText, text } from '../values.js';

const ROLES = new Set(['pending', 'user', 'admin']);

/**
 * `user`, both layouts: up to 0.6.40 with `api_key` and `oauth_sub` columns; from 0.6.41 with
 * `oauth` JSON ({provider: {sub}}) and keys in table `api_key`. Our row keeps 0.6.34's layout.
 */
export const user: TableMapping = {
  source: 'user',
  targets: ['user'],
  columns: ['id', 'name', 'email', 'username', 'role', 'profile_image_url', 'bio', 'gender', 'date_of_birth', 'info', 'settings', 'api_key', 'oauth_sub', 'oauth', 'last_active_at', 'updated_at', 'created_at'],
  map(row) {
    const id = text(row.id);
    const email = text(row.email)?.trim();
    if (!id || !email) return { writes: [], issues: [`user ${id ?? '(no id)'}: no email, cannot sign in`] };
    const created = epochSeconds(row.created_at, 0);
    const role = text(row.role) ?? 'pending';
    const issues: string[] = [];
    if (!ROLES.has(role)) issues.push(`user ${id}: unknown role '${role}' carried as 'pending'`);
    return {
      writes: [
        {
          op: 'insert',
          table: 'user',
          values: {
            id,
            name: text(row.name) ?? email,
            email,
            username: text(row.username),
            role: ROLES.has(role) ? role : 'pending',
            profile_image_url: text(row.profile_image_url) ?? '/user.png',
            bio: text(row.bio),
            gender: text(row.gender),
            date_of_birth: text(row.date_of_birth),
            info: jsonText(row.info),
            settings: jsonText(row.settings),
            api_key: text(row.api_key),
            oauth_sub: text(row.oauth_sub) ?? oauthSub(row.oauth),
            last_active_at: epochSeconds(row.last_active_at, created),
            updated_at: epochSeconds(row.updated_at, created),
            created_at: created,
          },
        },
      ],
      issues,
    };
  },
};

/** 0.6.41's `oauth` {provider: {sub}} back to 0.6.34's `provider@sub` (the first provider). */
function oauthSub(v: unknown): string | null {
  const o = jsonObject(v);
  if (!o) return null;
  for (const provider of Object.keys(o)) {
    const sub = jsonObject(o[provider])?.sub;
    if (typeof sub === 'string' && sub) return `${provider}@${sub}`;
  }
  return null;
}

export const auth: TableMapping = {
  source: 'auth',
  targets: ['auth'],
  columns: ['id', 'email', 'password', 'active'],
  map(row) {
    const id = text(row.id);
    if (!id) return { writes: [], issues: ['auth row without id'] };
    return {
      writes: [{ op: 'insert', table: 'auth', values: { id, email: text(row.email) ?? '', password: text(row.password) ?? '', active: bool(row.active, true) } }],
    };
  },
};

/**
 * `api_key` (0.6.41+): one key per user, as our `user.api_key`. A second key of a user, or a key
 * that has expired, has nowhere to go and is reported.
 */
export const apiKey: TableMapping<{ now: number }> = {
  source: 'api_key',
  targets: ['user'],
  columns: ['id', 'user_id', 'key', 'expires_at', 'created_at', 'updated_at', 'last_used_at'],
  init: () => ({ now: Math.floor(Date.now() / 1000) }),
  map(row, state) {
    const userId = text(row.user_id);
    const key = text(row.key);
    if (!userId || !key) return { writes: [], issues: ['api key without user or key'] };
    const expires = row.expires_at === null || row.expires_at === undefined ? null : epochSeconds(row.expires_at, 0);
    if (expires !== null && expires <= state.now) return { writes: [], issues: [`api key of user ${userId}: expired, not carried`] };
    return { writes: [{ op: 'update', table: 'user', key: { id: userId }, values: { api_key: key }, onlyIfNull: 'api_key' }] };
  },
};

import { describe, expect, it } from 'vitest';
import { claimAt, claimList, determineRole, isBlockedGroup } from './claims.js';

const rules = { enableRoleManagement: true, rolesClaim: 'realm_access.roles', allowedRoles: ['user', 'admin'], adminRoles: ['admin'], defaultRole: 'pending' as const };

describe('claims', () => {
  it('reads dotted claims, own properties only', () => {
    const data = { realm_access: { roles: ['admin'] }, groups: 'one', n: 7 };
    expect(claimAt(data, 'realm_access.roles')).toEqual(['admin']);
    expect(claimList(data, 'groups')).toEqual(['one']);
    expect(claimList(data, 'n')).toEqual(['7']);
    expect(claimAt(data, '__proto__')).toBeUndefined();
    expect(claimAt(data, 'constructor.name')).toBeUndefined();
    expect(claimList(data, 'missing.deep')).toEqual([]);
  });

  it('decides roles like the original get_user_role', () => {
    const admin = { realm_access: { roles: ['x', 'admin'] } };
    const user = { realm_access: { roles: ['user'] } };
    const none = { realm_access: { roles: ['guest'] } };
    expect(determineRole(null, 0, none, rules)).toBe('admin'); // first account
    expect(determineRole({ role: 'user' }, 1, none, rules)).toBe('admin'); // the lone account is repaired
    expect(determineRole(null, 3, admin, rules)).toBe('admin');
    expect(determineRole(null, 3, user, rules)).toBe('user');
    expect(determineRole(null, 3, none, rules)).toBe('pending');
    expect(determineRole({ role: 'admin' }, 3, user, rules)).toBe('user'); // the IdP is the authority
    const off = { ...rules, enableRoleManagement: false };
    expect(determineRole({ role: 'admin' }, 3, none, off)).toBe('admin');
    expect(determineRole(null, 3, admin, off)).toBe('pending');
  });

  it('matches OAUTH_BLOCKED_GROUPS as names, wildcards and regexes', () => {
    expect(isBlockedGroup('staff', ['staff'])).toBe(true);
    expect(isBlockedGroup('ext-partner', ['ext-*'])).toBe(true);
    expect(isBlockedGroup('team1', ['team?'])).toBe(true);
    expect(isBlockedGroup('Admins', ['^adm', '(?i)x'])).toBe(false);
    expect(isBlockedGroup('admins', ['^adm'])).toBe(true);
    expect(isBlockedGroup('other', ['staff', 'ext-*', ''])).toBe(false);
  });
});

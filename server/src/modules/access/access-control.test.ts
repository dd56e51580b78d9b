import { describe, expect, it } from 'vitest';
import { canAccess, hasAccess, parseAccessControl } from './access-control.js';
import { combinePermissions } from '../users/permissions.js';

describe('hasAccess', () => {
  const doc = { read: { group_ids: ['g1'], user_ids: ['u1'] }, write: { group_ids: [], user_ids: ['u2'] } };
  it('null is public read, never public write; {} is private', () => {
    expect(hasAccess('x', [], 'read', null)).toBe(true);
    expect(hasAccess('x', [], 'write', null)).toBe(false);
    expect(hasAccess('x', ['g1'], 'read', {})).toBe(false);
  });
  it('grants by user id or any of the user groups, per type', () => {
    expect(hasAccess('u1', [], 'read', doc)).toBe(true);
    expect(hasAccess('u9', ['g0', 'g1'], 'read', doc)).toBe(true);
    expect(hasAccess('u1', ['g1'], 'write', doc)).toBe(false);
    expect(hasAccess('u2', [], 'write', doc)).toBe(true);
  });
  it('owners always pass', () => {
    expect(canAccess({ id: 'o' }, [], 'write', { user_id: 'o', access_control: {} })).toBe(true);
  });
  it('parses stored values: JSON text, objects, null; junk is private', () => {
    expect(parseAccessControl(null)).toBeNull();
    expect(parseAccessControl('null')).toBeNull();
    expect(parseAccessControl(JSON.stringify(doc))).toEqual(doc);
    expect(parseAccessControl('{not json')).toEqual({});
    expect(parseAccessControl({ read: { group_ids: 'g1' } })).toEqual({});
  });
});

describe('combinePermissions', () => {
  it('any group granting a flag wins; missing sections are added', () => {
    const base = { chat: { delete: false, share: true }, features: { web_search: false } };
    const out = combinePermissions(structuredClone(base), { chat: { delete: true, share: false }, workspace: { models: true } });
    expect(out).toEqual({ chat: { delete: true, share: true }, features: { web_search: false }, workspace: { models: true } });
  });
});

import { describe, expect, it } from 'vitest';
import { rangeFor } from './ranges/index.js';
import { foldGrants } from './tables/access.js';
import { fileWithGrants, knowledgeWithFilesAndGrants } from './tables/documents.js';
import { groupWithMembers, promptWithGrants } from './tables/workspace.js';
import { chat } from './tables/chats.js';
import { configPerKey, keyToPath } from './tables/config.js';
import { apiKey, user } from './tables/users.js';
import type { SourceRow } from './source.js';
import type { Write } from './types.js';
import { epochSeconds, jsonObject } from './values.js';

const row = (o: Record<string, unknown>): SourceRow => Object.assign(Object.create(null), o);
const vals = (w: Write | undefined): Record<string, any> => w!.values;

describe('adopt mappings (pure)', () => {
  it('picks the mapping range by alembic head, including revisions inside a release', () => {
    expect(rangeFor('3781e22d8b01')?.id).toBe('0.5.3-0.6.36');
    expect(rangeFor('a5c220713937')?.id).toBe('0.5.3-0.6.36');
    expect(rangeFor('37f288994c47')?.id).toBe('0.6.37-0.6.40');
    expect(rangeFor('2f1211949ecc')?.id).toBe('0.6.41-0.7.x');
    expect(rangeFor('c440947495f3')?.id).toBe('0.6.41-0.7.x');
    expect(rangeFor('a1b2c3d4e5f6')?.id).toBe('0.8-0.9.x');
    expect(rangeFor('461111b60977')?.id).toBe('0.8-0.9.x');
    expect(rangeFor('3ff2c63645b8')?.id).toBe('0.10.x');
    expect(rangeFor('7826ab40b532')).toBeNull(); // 0.5.0-0.5.2: too old
    expect(rangeFor('ffffffffffff')).toBeNull();
  });

  it('reads the time formats the original stored over the years', () => {
    expect(epochSeconds(1700000000, 0)).toBe(1700000000);
    expect(epochSeconds(1700000000123, 0)).toBe(1700000000);
    expect(epochSeconds(1700000000123456789n, 0)).toBe(1700000000);
    expect(epochSeconds('1700000000', 0)).toBe(1700000000);
    expect(epochSeconds('2024-02-01 10:00:00', 0)).toBe(Date.UTC(2024, 1, 1, 10) / 1000);
    expect(epochSeconds(null, 42)).toBe(42);
    expect(epochSeconds('garbage', 42)).toBe(42);
  });

  it('maps 0.6.41+ users: oauth JSON back to provider@sub, nulls of fresh 0.9.6+ installs filled', () => {
    const out = user.map(row({ id: 'u1', name: null, email: 'a@b.c', role: 'superuser', profile_image_url: null, created_at: 5, oauth: '{"google":{"sub":"123"}}', info: null }), undefined);
    const values = vals(out.writes[0]);
    expect(values).toMatchObject({ id: 'u1', name: 'a@b.c', role: 'pending', profile_image_url: '/user.png', oauth_sub: 'google@123', last_active_at: 5, updated_at: 5 });
    expect(out.issues).toEqual(["user u1: unknown role 'superuser' carried as 'pending'"]);
    expect(user.map(row({ id: 'u2', email: null }), undefined)).toEqual({ writes: [], issues: ['user u2: no email, cannot sign in'] });
  });

  it('skips expired API keys', () => {
    const state = apiKey.init!();
    expect(apiKey.map(row({ user_id: 'u1', key: 'sk-1', expires_at: 1 }), state).writes).toEqual([]);
    expect(apiKey.map(row({ user_id: 'u1', key: 'sk-1', expires_at: null }), state).writes[0]).toMatchObject({ op: 'update', values: { api_key: 'sk-1' } });
  });

  it('keeps a chat document byte for byte, refuses one that is not an object, mirrors tags once', () => {
    const doc = '{"history":{"messages":{"__proto__":{"id":"__proto__","content":"x"}},"currentId":"__proto__"}}';
    const out = chat.map(row({ id: 'c1', user_id: 'u1', title: 't', chat: doc, __chat_type: 'object', meta: '{"tags":["__proto__","a","a",3]}', created_at: 1, updated_at: 2 }), undefined);
    expect(vals(out.writes[0]).chat).toBe(doc);
    expect(out.writes.slice(1).map((w) => vals(w).tag_id)).toEqual(['__proto__', 'a']);
    expect(chat.map(row({ id: 'c2', user_id: 'u1', chat: '[1]', __chat_type: 'array' }), undefined).issues).toEqual(['chat c2: stored chat is not a JSON object, not carried']);
    expect(({} as Record<string, unknown>).id).toBeUndefined();
  });

  it("folds 0.10's per-key rows back into 0.6.34's tree", () => {
    expect(keyToPath('ui.enable_login_form')).toEqual(['ui', 'ENABLE_LOGIN_FORM']);
    expect(keyToPath('web.search.engine')).toEqual(['rag', 'web', 'search', 'engine']);
    expect(keyToPath('oauth.client_id')).toEqual(['oauth', 'oidc', 'client_id']);
    expect(keyToPath('openai.api_configs.0.model_ids')).toEqual(['openai', 'api_configs', '0', 'model_ids']);
    expect(keyToPath('openai.api_configs.http://a.b:8000/v1.prefix_id')).toEqual(['openai', 'api_configs', 'http://a.b:8000/v1', 'prefix_id']);

    const state = configPerKey.init!();
    for (const [key, value] of [
      ['openai.api_configs', { '0': { enable: true } }],
      ['openai.api_configs.0.prefix_id', 'p'],
      ['ui.banners', []],
      ['__proto__.polluted', true],
    ] as const) {
      configPerKey.map(row({ key, value: JSON.stringify(value), updated_at: 7 }), state);
    }
    const written = vals(configPerKey.finish!(state).writes[0]);
    expect(JSON.parse(written.data)).toEqual({ openai: { api_configs: { '0': { enable: true, prefix_id: 'p' } } }, ui: { banners: [] }, ['__proto__']: { polluted: true } });
    expect(written.updated_at).toBe(7);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('parses JSON into objects without prototypes', () => {
    const o = jsonObject('{"__proto__":{"x":1}}')!;
    expect(Object.getPrototypeOf(o)).toBeNull();
    expect(Object.keys(o)).toEqual(['__proto__']);
  });
});

describe('folding 0.6.37+/0.8+ child tables back (pure)', () => {
  it('rebuilds access_control from access_grant rows the way the original downgrades them', () => {
    expect(foldGrants([], 'model', 'm').value).toBe('{}');
    expect(foldGrants([], 'file', 'f').value).toBeNull();
    expect(foldGrants([['user', '*', 'read']], 'prompt', 'p')).toEqual({ value: null, issues: [] });
    expect(foldGrants([['user', '*', 'read'], ['group', 'g1', 'write']], 'model', 'm').issues).toEqual(['model m: public, so its 1 further grant(s) were not carried']);
    const acl = JSON.parse(foldGrants([['group', 'g1', 'read'], ['user', 'u2', 'write'], ['group', 'g1', 'read'], ['user', '__proto__', 'read']], 'knowledge', 'k').value!);
    expect(acl).toEqual({ read: { group_ids: ['g1'], user_ids: ['__proto__'] }, write: { group_ids: [], user_ids: ['u2'] } });
  });

  it('takes group members, knowledge files and grants from their subquery columns', () => {
    const g = groupWithMembers.map(row({ id: 'g1', name: 'Team', __member_ids: '["u1","u2"]' }), undefined);
    expect(vals(g.writes[0])).toMatchObject({ id: 'g1', user_ids: '["u1","u2"]' });
    const k = knowledgeWithFilesAndGrants.map(row({ id: 'k1', user_id: 'u1', name: 'KB', data: null, __file_ids: '["f1"]', __access_grants: '[["group","g1","read"]]' }), undefined);
    expect(JSON.parse(vals(k.writes[0]).data)).toEqual({ file_ids: ['f1'] });
    expect(JSON.parse(vals(k.writes[0]).access_control)).toEqual({ read: { group_ids: ['g1'], user_ids: [] }, write: { group_ids: [], user_ids: [] } });
    // A row that still lists its files keeps its own list.
    const kept = knowledgeWithFilesAndGrants.map(row({ id: 'k2', user_id: 'u1', name: 'KB', data: '{"file_ids":["a"]}', __file_ids: '["b"]', __access_grants: '[]' }), undefined);
    expect(JSON.parse(vals(kept.writes[0]).data)).toEqual({ file_ids: ['a'] });
  });

  it('maps 0.8 prompts back to a slash command, title and timestamp; marks files with text for indexing', () => {
    const p = promptWithGrants.map(row({ id: 'uuid', command: 'summarize', user_id: 'u1', name: 'Summarize', content: 'Sum: {{CLIPBOARD}}', created_at: 1, updated_at: 1700000000, __access_grants: '[["user","*","read"]]' }), undefined);
    expect(vals(p.writes[0])).toEqual({ command: '/summarize', user_id: 'u1', title: 'Summarize', content: 'Sum: {{CLIPBOARD}}', timestamp: 1700000000, access_control: null });
    const f = fileWithGrants.map(row({ id: 'f1', user_id: 'u1', filename: 'a.txt', data: '{"status":"completed","content":"text"}', created_at: 1, __access_grants: '[]' }), undefined);
    expect(JSON.parse(vals(f.writes[0]).data)).toEqual({ status: 'pending', content: 'text' });
    expect(vals(f.writes[0]).access_control).toBeNull();
  });
});

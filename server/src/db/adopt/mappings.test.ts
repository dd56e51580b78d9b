import { describe, expect, it } from 'vitest';
import { rangeFor } from './ranges/index.js';
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
    expect(rangeFor('3781e22d8b01')?.id).toBe('0.5.3-0.6.40');
    expect(rangeFor('37f288994c47')?.id).toBe('0.5.3-0.6.40');
    expect(rangeFor('2f1211949ecc')?.id).toBe('0.6.41-0.9.x');
    expect(rangeFor('461111b60977')?.id).toBe('0.6.41-0.9.x');
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

/**
 * Each workspace endpoint, success and refusal: model records, groups, prompts, admin model
 * settings, and permissions from env, defaults and groups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserModel } from '@owui/contracts';
import { createUser } from '../factories/users.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Json = Record<string, any>;
const NOT_FOUND = "We could not find what you're looking for :/";
const UNAUTHORIZED = '401 Unauthorized';

describe('workspace endpoints', () => {
  let s: TestServer;
  let admin: string;
  let alice: { token: string; user: UserModel };
  let bob: { token: string; user: UserModel };

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await s.request(method, path, { token, body });
    const text = await res.text();
    let json: any = text;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: json };
  };
  const ok = async (method: string, path: string, token: string, body?: unknown) => {
    const r = await call(method, path, token, body);
    expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body;
  };
  const preset = (id: string, extra: Json = {}) => ({ id, base_model_id: 'llama3:latest', name: `Preset ${id}`, meta: { description: 'd' }, params: { system: 'S' }, access_control: {}, ...extra });

  beforeAll(async () => {
    s = await startTestServer({ ENABLE_OLLAMA_API: 'false', ENABLE_OPENAI_API: 'false', USER_PERMISSIONS_WORKSPACE_PROMPTS_ACCESS: 'true', USER_PERMISSIONS_CHAT_DELETE: 'false' });
    admin = (await createUser(s.ctx, { role: 'admin' })).token;
    alice = await createUser(s.ctx, { role: 'user', name: 'Alice' });
    bob = await createUser(s.ctx, { role: 'user', name: 'Bob' });
  });
  afterAll(() => s.close());

  describe('permissions', () => {
    it('defaults come from USER_PERMISSIONS_* with the original defaults for the rest', async () => {
      const d = await ok('GET', '/api/v1/users/default/permissions', admin);
      expect(d.workspace).toMatchObject({ models: false, prompts: true, knowledge: false, tools: false });
      expect(d.chat).toMatchObject({ delete: false, temporary: true, file_upload: true, temporary_enforced: false });
      expect(d.features).toMatchObject({ web_search: true, image_generation: true, code_interpreter: true, direct_tool_servers: false });
      expect(d.sharing).toMatchObject({ public_models: false, public_prompts: false });
      expect(await ok('GET', '/api/v1/users/permissions', alice.token)).toEqual(d);
      expect((await call('GET', '/api/v1/users/default/permissions', alice.token)).status).toBe(401);
    });

    it('a bad env value stops start-up with the variable named', async () => {
      await expect(startTestServer({ USER_PERMISSIONS_CHAT_DELETE: 'maybe' })).rejects.toThrow(/USER_PERMISSIONS_CHAT_DELETE/);
    });

    it('chat.delete from env is enforced on deleting chats; a group granting it wins', async () => {
      const chat = await ok('POST', '/api/v1/chats/new', alice.token, { chat: { title: 'x' } });
      expect(await call('DELETE', `/api/v1/chats/${chat.id}`, alice.token)).toMatchObject({ status: 401 });
      const g = await ok('POST', '/api/v1/groups/create', admin, { name: 'deleters', description: '', permissions: { chat: { delete: true } } });
      await ok('POST', `/api/v1/groups/id/${g.id}/users/add`, admin, { user_ids: [alice.user.id, 'no-such-user'] });
      expect((await ok('GET', '/api/v1/users/permissions', alice.token)).chat.delete).toBe(true);
      expect((await ok('GET', '/api/v1/users/permissions', bob.token)).chat.delete).toBe(false);
      expect(await ok('DELETE', `/api/v1/chats/${chat.id}`, alice.token)).toBe(true);
      await ok('DELETE', `/api/v1/groups/id/${g.id}/delete`, admin);
      expect((await ok('GET', '/api/v1/users/permissions', alice.token)).chat.delete).toBe(false);
    });

    it('chat.temporary: a temporary chat (local: id) is refused without it', async () => {
      const d = await ok('GET', '/api/v1/users/default/permissions', admin);
      await ok('POST', '/api/v1/users/default/permissions', admin, { ...d, chat: { ...d.chat, temporary: false } });
      const body = { model: 'any', messages: [{ role: 'user', content: 'hi' }], chat_id: 'local:abc' };
      expect(await call('POST', '/api/chat/completions', alice.token, body)).toMatchObject({ status: 403 });
      expect(await call('POST', '/api/chat/completions', alice.token, { ...body, id: 'm', session_id: 's' })).toMatchObject({ status: 403 });
      // Admins hold every permission; the model is unknown, so they get past the check to "Model not found".
      expect(await call('POST', '/api/chat/completions', admin, body)).toMatchObject({ status: 400, body: { detail: expect.stringMatching(/^Model not found/) } });
      await ok('POST', '/api/v1/users/default/permissions', admin, d);
      expect(await call('POST', '/api/chat/completions', alice.token, body)).toMatchObject({ status: 400 });
    });

    it('default permissions can be updated by admins and apply at once', async () => {
      const d = await ok('GET', '/api/v1/users/default/permissions', admin);
      const saved = await ok('POST', '/api/v1/users/default/permissions', admin, { ...d, workspace: { ...d.workspace, models: true } });
      expect(saved.workspace.models).toBe(true);
      expect((await ok('GET', '/api/v1/users/permissions', bob.token)).workspace.models).toBe(true);
      await ok('POST', '/api/v1/users/default/permissions', admin, d);
      expect((await call('POST', '/api/v1/users/default/permissions', admin, { workspace: 'yes' })).status).toBe(422);
    });
  });

  describe('groups', () => {
    it('create, list, get, update members and permissions, delete; unknown ids are 401 NOT_FOUND', async () => {
      const g = await ok('POST', '/api/v1/groups/create', admin, { name: 'research', description: 'R' });
      expect(g).toMatchObject({ name: 'research', description: 'R', user_ids: [], permissions: null });
      const up = await ok('POST', `/api/v1/groups/id/${g.id}/update`, admin, {
        name: 'Research',
        description: 'R&D',
        user_ids: [bob.user.id, 'ghost'],
        permissions: { workspace: { models: true } },
      });
      expect(up).toMatchObject({ name: 'Research', user_ids: [bob.user.id], permissions: { workspace: { models: true } } });
      expect((await ok('GET', `/api/v1/groups/id/${g.id}`, admin)).name).toBe('Research');
      expect((await ok('GET', '/api/v1/groups/', admin)).map((x: Json) => x.id)).toContain(g.id);
      expect((await ok('GET', '/api/v1/groups/', bob.token)).map((x: Json) => x.id)).toEqual([g.id]);
      expect(await ok('GET', '/api/v1/groups/', alice.token)).toEqual([]);
      expect((await ok('GET', '/api/v1/users/groups', bob.token)).map((x: Json) => x.id)).toEqual([g.id]);
      const users = (await ok('GET', '/api/v1/users/', admin)).users as Json[];
      expect(users.find((u) => u.id === bob.user.id)!.group_ids).toEqual([g.id]);

      expect((await ok('POST', `/api/v1/groups/id/${g.id}/users/remove`, admin, { user_ids: [bob.user.id] })).user_ids).toEqual([]);
      expect(await call('GET', '/api/v1/groups/id/nope', admin)).toEqual({ status: 401, body: { detail: NOT_FOUND } });
      expect((await call('POST', '/api/v1/groups/id/nope/update', admin, { name: 'x', description: '' })).status).toBe(401);
      expect((await call('POST', '/api/v1/groups/create', bob.token, { name: 'x', description: '' })).status).toBe(401);
      expect((await call('POST', '/api/v1/groups/create', admin, { description: '' })).status).toBe(422);
      expect(await ok('DELETE', `/api/v1/groups/id/${g.id}/delete`, admin)).toBe(true);
      expect((await call('DELETE', `/api/v1/groups/id/${g.id}/delete`, admin)).status).toBe(401);
    });

    it('DEFAULT_GROUP_ID (admin config) puts new accounts into that group', async () => {
      const g = await ok('POST', '/api/v1/groups/create', admin, { name: 'newcomers', description: '' });
      const cfg = await ok('GET', '/api/v1/auths/admin/config', admin);
      expect(cfg.DEFAULT_GROUP_ID).toBe('');
      expect((await ok('POST', '/api/v1/auths/admin/config', admin, { ...cfg, DEFAULT_GROUP_ID: g.id })).DEFAULT_GROUP_ID).toBe(g.id);
      const added = await ok('POST', '/api/v1/auths/add', admin, { name: 'Carl', email: 'carl@example.com', password: 'password123', role: 'user' });
      expect((await ok('GET', `/api/v1/groups/id/${g.id}`, admin)).user_ids).toEqual([added.id]);
      await ok('POST', '/api/v1/auths/admin/config', admin, { ...cfg, DEFAULT_GROUP_ID: '' });
      await ok('DELETE', `/api/v1/groups/id/${g.id}/delete`, admin);
    });

    it('treats __proto__ as an id like any other', async () => {
      expect((await call('GET', '/api/v1/groups/id/__proto__', admin)).status).toBe(401);
      const g = await ok('POST', '/api/v1/groups/create', admin, { name: 'p', description: '', permissions: { __proto__: { x: true }, chat: { delete: true } } as Json });
      expect(g.permissions.chat.delete).toBe(true);
      await ok('DELETE', `/api/v1/groups/id/${g.id}/delete`, admin);
    });
  });

  describe('model records', () => {
    it('create needs workspace.models (401) and a free id; admins always may', async () => {
      expect(await call('POST', '/api/v1/models/create', alice.token, preset('a1'))).toEqual({ status: 401, body: { detail: UNAUTHORIZED } });
      const m = await ok('POST', '/api/v1/models/create', admin, preset('a1'));
      expect(m).toMatchObject({ id: 'a1', base_model_id: 'llama3:latest', name: 'Preset a1', params: { system: 'S' }, meta: { description: 'd' }, access_control: {}, is_active: true });
      expect((await call('POST', '/api/v1/models/create', admin, preset('a1'))).body.detail).toMatch(/model id is already registered/);
      expect((await call('POST', '/api/v1/models/create', admin, preset('x'.repeat(300)))).status).toBe(400);
      expect((await call('POST', '/api/v1/models/create', admin, { ...preset('bad'), access_control: { read: { group_ids: 'g1' } } })).status).toBe(422);
      expect((await call('POST', '/api/v1/models/create', admin, { ...preset('bad'), access_control: 'public' })).status).toBe(422);
      expect((await call('POST', '/api/v1/models/create', admin, { id: 'bad' })).status).toBe(422);
      expect((await call('POST', '/api/v1/models/create', admin, preset('nul\u0000id'))).status).toBe(422);
      expect((await call('GET', '/api/v1/models/model?id=a%00b', admin)).status).toBe(422);
      expect((await call('GET', '/api/v1/groups/id/a%00b', admin)).status).toBe(422);
      expect((await call('POST', '/api/v1/models/sync', admin, { models: [preset('d'), preset('d')] })).status).toBe(400);
    });

    it('a group granting workspace.models lets a member create; public sharing needs sharing.public_models', async () => {
      const g = await ok('POST', '/api/v1/groups/create', admin, { name: 'makers', description: '', permissions: { workspace: { models: true } } });
      await ok('POST', `/api/v1/groups/id/${g.id}/users/add`, admin, { user_ids: [alice.user.id] });
      expect((await call('POST', '/api/v1/models/create', alice.token, preset('alice-public', { access_control: null }))).status).toBe(401);
      const mine = await ok('POST', '/api/v1/models/create', alice.token, preset('alice-1'));
      expect(mine.user_id).toBe(alice.user.id);
      // Alice's list: what she may edit, with the owner attached; Bob sees none of it.
      const list = (await ok('GET', '/api/v1/models/', alice.token)) as Json[];
      expect(list.map((m) => m.id)).toEqual(['alice-1']);
      expect(list[0]!.user).toMatchObject({ id: alice.user.id, name: 'Alice' });
      expect(list[0]!.user.api_key).toBeUndefined();
      expect(await ok('GET', '/api/v1/models/', bob.token)).toEqual([]);
      expect(((await ok('GET', '/api/v1/models/', admin)) as Json[]).map((m) => m.id).sort()).toEqual(['a1', 'alice-1']);
      // Without the trailing slash /api/v1/models stays the OpenAI-style list.
      expect(await ok('GET', '/api/v1/models', alice.token)).toMatchObject({ data: expect.any(Array), object: 'list' });
    });

    it('get / update / toggle / delete: owner, write grant or admin; others get the original refusals', async () => {
      expect((await ok('GET', '/api/v1/models/model?id=alice-1', alice.token)).id).toBe('alice-1');
      expect(await call('GET', '/api/v1/models/model?id=alice-1', bob.token)).toEqual({ status: 401, body: { detail: NOT_FOUND } });
      expect(await call('GET', '/api/v1/models/model?id=missing', alice.token)).toEqual({ status: 401, body: { detail: NOT_FOUND } });
      expect((await call('GET', '/api/v1/models/model', alice.token)).status).toBe(422);

      const form = preset('alice-1', { name: 'Renamed', params: { system: 'New', temperature: 0.5 } });
      expect((await call('POST', '/api/v1/models/model/update?id=alice-1', bob.token, form)).status).toBe(400);
      expect((await call('POST', '/api/v1/models/model/toggle?id=alice-1', bob.token)).status).toBe(401);
      expect((await call('DELETE', '/api/v1/models/model/delete?id=alice-1', bob.token)).status).toBe(401);
      expect((await call('POST', '/api/v1/models/model/update?id=missing', alice.token, form)).status).toBe(401);

      const updated = await ok('POST', '/api/v1/models/model/update?id=alice-1', alice.token, form);
      expect(updated).toMatchObject({ name: 'Renamed', params: { system: 'New', temperature: 0.5 } });
      // Grant Bob write access by user id: now he may edit.
      await ok('POST', '/api/v1/models/model/update?id=alice-1', alice.token, { ...form, access_control: { read: { user_ids: [bob.user.id] }, write: { user_ids: [bob.user.id] } } });
      expect((await ok('GET', '/api/v1/models/', bob.token)).map((m: Json) => m.id)).toEqual(['alice-1']);
      expect((await ok('POST', '/api/v1/models/model/toggle?id=alice-1', bob.token)).is_active).toBe(false);
      expect((await ok('POST', '/api/v1/models/model/toggle?id=alice-1', admin)).is_active).toBe(true);
      expect(await ok('DELETE', '/api/v1/models/model/delete?id=alice-1', alice.token)).toBe(true);
      expect((await call('DELETE', '/api/v1/models/model/delete?id=alice-1', alice.token)).status).toBe(401);
    });

    it('profile image: data URLs decoded, others redirected', async () => {
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64');
      await ok('POST', '/api/v1/models/create', admin, preset('img', { access_control: null, meta: { profile_image_url: `data:image/png;base64,${png}` } }));
      const res = await s.request('GET', '/api/v1/models/model/profile/image?id=img', { token: alice.token });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await res.arrayBuffer()).toString('base64')).toBe(png);
      const miss = await s.request('GET', '/api/v1/models/model/profile/image?id=none', { token: alice.token });
      expect([miss.status, miss.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
      await ok('POST', '/api/v1/models/create', admin, preset('remote', { access_control: null, meta: { profile_image_url: 'https://example.com/a.png' } }));
      const remote = await fetch(`${s.url}/api/v1/models/model/profile/image?id=remote`, { headers: { authorization: `Bearer ${alice.token}` }, redirect: 'manual' });
      expect([remote.status, remote.headers.get('location')]).toEqual([302, 'https://example.com/a.png']);
    });

    it('base, export, import, sync and delete all are admin-only', async () => {
      await ok('POST', '/api/v1/models/create', admin, { id: 'llama3:latest', name: 'Llama', meta: {}, params: {}, access_control: null });
      expect(((await ok('GET', '/api/v1/models/base', admin)) as Json[]).map((m) => m.id)).toEqual(['llama3:latest']);
      expect((await call('GET', '/api/v1/models/base', alice.token)).status).toBe(401);
      const exported = (await ok('GET', '/api/v1/models/export', admin)) as Json[];
      expect(exported.map((m) => m.id)).toContain('img');
      expect((await call('GET', '/api/v1/models/export', alice.token)).status).toBe(401);

      expect(await ok('POST', '/api/v1/models/import', admin, { models: [{ id: 'img', name: 'Imported name' }, { id: 'new-one', name: 'Old', base_model_id: 'llama3:latest' }, { id: 'new-one', name: 'New', base_model_id: 'llama3:latest' }, { name: 'no id' }] })).toBe(true);
      expect((await ok('GET', '/api/v1/models/model?id=new-one', admin)).name).toBe('New');
      expect((await ok('GET', '/api/v1/models/model?id=img', admin)).name).toBe('Imported name');
      expect((await ok('GET', '/api/v1/models/model?id=new-one', admin)).base_model_id).toBe('llama3:latest');
      expect((await call('POST', '/api/v1/models/import', admin, { models: [{ id: 'x', name: 5 }] })).status).toBe(400);
      expect((await call('POST', '/api/v1/models/import', admin, { models: 'nope' })).status).toBe(422);

      const synced = (await ok('POST', '/api/v1/models/sync', admin, { models: [preset('only', { access_control: null })] })) as Json[];
      expect(synced.map((m) => m.id)).toEqual(['only']);
      expect((await call('POST', '/api/v1/models/sync', alice.token, { models: [] })).status).toBe(401);
      expect((await call('DELETE', '/api/v1/models/delete/all', alice.token)).status).toBe(401);
      expect(await ok('DELETE', '/api/v1/models/delete/all', admin)).toBe(true);
      expect(await ok('GET', '/api/v1/models/export', admin)).toEqual([]);
    });
  });

  describe('prompts', () => {
    const prompt = (command: string, extra: Json = {}) => ({ command, title: `T ${command}`, content: 'Summarize: {{CLIPBOARD}}', access_control: {}, ...extra });

    it('create (workspace.prompts from env), duplicate command, bad command, public needs sharing.public_prompts', async () => {
      const p = await ok('POST', '/api/v1/prompts/create', alice.token, prompt('/sum'));
      expect(p).toMatchObject({ command: '/sum', user_id: alice.user.id, title: 'T /sum', access_control: {} });
      expect(await call('POST', '/api/v1/prompts/create', bob.token, prompt('/sum'))).toEqual({ status: 400, body: { detail: 'Uh-oh! This command is already registered. Please choose another command string.' } });
      expect((await call('POST', '/api/v1/prompts/create', alice.token, prompt('no-slash'))).status).toBe(422);
      expect((await call('POST', '/api/v1/prompts/create', alice.token, prompt('/pub', { access_control: null }))).status).toBe(401);
      await ok('POST', '/api/v1/prompts/create', admin, prompt('/pub', { access_control: null }));
    });

    it('list by read access (composer) and by write access (workspace); get/update/delete by command', async () => {
      expect(((await ok('GET', '/api/v1/prompts/', bob.token)) as Json[]).map((p) => p.command)).toEqual(['/pub']);
      expect(((await ok('GET', '/api/v1/prompts/', alice.token)) as Json[]).map((p) => p.command).sort()).toEqual(['/pub', '/sum']);
      expect(((await ok('GET', '/api/v1/prompts/list', alice.token)) as Json[]).map((p) => p.command)).toEqual(['/sum']);
      expect((await ok('GET', '/api/v1/prompts/command/pub', bob.token)).command).toBe('/pub');
      expect(await call('GET', '/api/v1/prompts/command/sum', bob.token)).toEqual({ status: 401, body: { detail: NOT_FOUND } });
      expect((await call('GET', '/api/v1/prompts/command/missing', bob.token)).status).toBe(401);
      expect((await call('POST', '/api/v1/prompts/command/sum/update', bob.token, prompt('/sum'))).status).toBe(401);
      expect((await call('POST', '/api/v1/prompts/command/pub/update', bob.token, prompt('/pub'))).status).toBe(401);
      const up = await ok('POST', '/api/v1/prompts/command/sum/update', alice.token, prompt('/sum', { title: 'New', access_control: { read: { user_ids: [bob.user.id] } } }));
      expect(up.title).toBe('New');
      expect((await ok('GET', '/api/v1/prompts/command/sum', bob.token)).title).toBe('New');
      expect((await call('DELETE', '/api/v1/prompts/command/sum/delete', bob.token)).status).toBe(401);
      expect(await ok('DELETE', '/api/v1/prompts/command/sum/delete', alice.token)).toBe(true);
      expect((await call('DELETE', '/api/v1/prompts/command/sum/delete', alice.token)).status).toBe(401);
    });
  });

  describe('/api/v1/configs/models', () => {
    it('reads and saves default models, order and pinned models (admin only)', async () => {
      expect(await ok('GET', '/api/v1/configs/models', admin)).toEqual({ DEFAULT_MODELS: null, MODEL_ORDER_LIST: null, DEFAULT_PINNED_MODELS: null });
      const saved = await ok('POST', '/api/v1/configs/models', admin, { DEFAULT_MODELS: 'a,b', MODEL_ORDER_LIST: ['b', 'a'], DEFAULT_PINNED_MODELS: 'b' });
      expect(saved).toEqual({ DEFAULT_MODELS: 'a,b', MODEL_ORDER_LIST: ['b', 'a'], DEFAULT_PINNED_MODELS: 'b' });
      expect(await ok('GET', '/api/v1/configs/models', admin)).toEqual(saved);
      const cfg = await ok('GET', '/api/config', alice.token);
      expect(cfg.default_models).toBe('a,b');
      expect((await call('GET', '/api/v1/configs/models', alice.token)).status).toBe(401);
      expect((await call('POST', '/api/v1/configs/models', admin, { DEFAULT_MODELS: 5, MODEL_ORDER_LIST: null })).status).toBe(422);
    });
  });
});

/**
 * The group-sync rules against an in-memory GroupStore (the `group` table arrives with the groups
 * feature; see the SEAM in modules/sso/group-sync.ts), with a real server context for the rest.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { syncUserGroups, type GroupRecord, type GroupStore, type NewGroup } from '../../src/modules/sso/group-sync.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

class MemoryGroups implements GroupStore {
  groups: Array<GroupRecord & Omit<NewGroup, 'name'>> = [];
  async list() {
    return this.groups.map((g) => ({ ...g, user_ids: [...g.user_ids] }));
  }
  async create(g: NewGroup) {
    const rec = { ...g, id: `g${this.groups.length + 1}`, user_ids: [] as string[] };
    this.groups.push(rec);
    return { id: rec.id, name: rec.name, user_ids: [] };
  }
  async setMembers(id: string, userIds: string[]) {
    this.groups.find((g) => g.id === id)!.user_ids = [...userIds];
  }
  members(name: string) {
    return this.groups.find((g) => g.name === name)?.user_ids ?? null;
  }
}

let s: TestServer;
let adminId: string;
beforeAll(async () => {
  s = await startTestServer();
  const r = await s.request('POST', '/api/v1/auths/signup', { body: { name: 'Root', email: 'root@example.com', password: 'root-password-1' } });
  adminId = ((await r.json()) as { id: string }).id;
});
afterAll(() => s?.close());

it('adds to named groups, removes from the others, keeps blocked ones, creates missing ones (OAuth)', async () => {
  const store = new MemoryGroups();
  store.groups.push(
    { id: 'old', name: 'old-team', user_ids: ['u1', 'u2'], ownerId: adminId, description: '', permissions: null },
    { id: 'ext', name: 'ext-partners', user_ids: ['u1'], ownerId: adminId, description: '', permissions: null },
    { id: 'staff', name: 'staff', user_ids: ['u2'], ownerId: adminId, description: '', permissions: null },
  );
  await syncUserGroups(s.ctx, 'u1', ['staff', 'ml-team', ' staff '], { source: 'oauth', create: true, blocked: ['ext-*'] }, store);
  expect(store.members('staff')).toEqual(['u2', 'u1']);
  expect(store.members('old-team')).toEqual(['u2']);
  expect(store.members('ext-partners')).toEqual(['u1']); // blocked: untouched
  const created = store.groups.find((g) => g.name === 'ml-team')!;
  expect(created).toMatchObject({ ownerId: adminId, description: "Group 'ml-team' created automatically via OAuth.", user_ids: ['u1'] });
  expect(created.permissions).toMatchObject({ chat: expect.any(Object) }); // USER_PERMISSIONS
});

it('does not create without the creation flag, and leaves membership alone for an empty list', async () => {
  const store = new MemoryGroups();
  store.groups.push({ id: 'a', name: 'a', user_ids: ['u1'], ownerId: adminId, description: '', permissions: null });
  await syncUserGroups(s.ctx, 'u1', ['b'], { source: 'trusted-header', create: true }, store);
  expect(store.groups).toHaveLength(1);
  expect(store.members('a')).toEqual([]);
  store.groups[0]!.user_ids = ['u1'];
  await syncUserGroups(s.ctx, 'u1', [], { source: 'oauth' }, store);
  expect(store.members('a')).toEqual(['u1']);
});

it('LDAP-created groups belong to the user and have no description', async () => {
  const store = new MemoryGroups();
  await syncUserGroups(s.ctx, 'u9', ['dir-group'], { source: 'ldap', create: true }, store);
  expect(store.groups[0]).toMatchObject({ name: 'dir-group', ownerId: 'u9', description: '', permissions: null, user_ids: ['u9'] });
});

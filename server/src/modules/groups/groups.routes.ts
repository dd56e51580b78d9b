import type { FastifyInstance } from 'fastify';
import { GroupForm, GroupUpdateForm, UserIdsForm, WorkspaceIdParams } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { GroupsRepository } from './groups.repository.js';

const P = '/api/v1/groups';
const IdParams = WorkspaceIdParams;

/**
 * `/api/v1/groups/*` (Open WebUI 0.6.34 routers/groups.py): admins manage groups; a verified user
 * lists the groups they belong to. Member ids that name no user are dropped, as in the original.
 */
export async function groupsRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const groups = GroupsRepository.for(ctx);
  const admin = { auth: 'admin' } as const;

  const validUserIds = async (ids: string[]) => {
    if (!ids.length) return [];
    const rows = await ctx.db.kysely.selectFrom('user').select('id').where('id', 'in', ids).execute();
    const known = new Set(rows.map((r) => r.id));
    return ids.filter((id) => known.has(id));
  };
  const found = async (id: string) => {
    const g = await groups.get(id);
    if (!g) throw new ApiError(401, ERROR_MESSAGES.NOT_FOUND);
    return g;
  };

  app.get(`${P}/`, { config: { auth: 'verified' } }, async (request) => {
    const user = currentUser(request);
    return user.role === 'admin' ? groups.list() : groups.forMember(user.id);
  });

  app.post(`${P}/create`, { config: admin, schema: { body: GroupForm } }, async (request) => groups.create(currentUser(request).id, request.body));

  app.get(`${P}/id/:id`, { config: admin, schema: { params: IdParams } }, async (request) => found(request.params.id));

  app.post(`${P}/id/:id/update`, { config: admin, schema: { params: IdParams, body: GroupUpdateForm } }, async (request) => {
    await found(request.params.id);
    const form = { ...request.body };
    if (form.user_ids) form.user_ids = await validUserIds(form.user_ids);
    return (await groups.update(request.params.id, form)) ?? found(request.params.id);
  });

  app.post(`${P}/id/:id/users/add`, { config: admin, schema: { params: IdParams, body: UserIdsForm } }, async (request) => {
    const g = await found(request.params.id);
    const add = await validUserIds(request.body.user_ids ?? []);
    return groups.setMembers(g.id, [...g.user_ids, ...add]);
  });

  app.post(`${P}/id/:id/users/remove`, { config: admin, schema: { params: IdParams, body: UserIdsForm } }, async (request) => {
    const g = await found(request.params.id);
    const drop = new Set(request.body.user_ids ?? []);
    return groups.setMembers(g.id, g.user_ids.filter((u) => !drop.has(u)));
  });

  app.delete(`${P}/id/:id/delete`, { config: admin, schema: { params: IdParams } }, async (request) => {
    await found(request.params.id);
    return groups.delete(request.params.id);
  });
}

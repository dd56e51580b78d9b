import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { UserInfo, UserListQuery, UserPermissions, UserRoleUpdateForm, UserSettings, UserUpdateForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { AUTH_BODY_LIMIT } from '../auths/auths.routes.js';
import { AuthsService } from '../auths/auths.service.js';
import { GroupsRepository } from '../groups/groups.repository.js';
import { defaultPermissions, mergePermissions, permissionsFor } from './permissions.js';
import { UsersService, withoutSecrets } from './users.service.js';

const P = '/api/v1/users';
const IdParams = z.object({ user_id: z.string().max(255) });

export async function usersRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = new UsersService(ctx, new AuthsService(ctx));
  const body = { bodyLimit: AUTH_BODY_LIMIT } as const;

  const groups = GroupsRepository.for(ctx);
  const listed = async (r: Awaited<ReturnType<typeof svc.users.list>>) => {
    const all = await groups.list();
    return {
      users: r.users.map((u) => ({ ...withoutSecrets(u), group_ids: all.filter((g) => g.user_ids.includes(u.id)).map((g) => g.id) })),
      total: r.total,
    };
  };

  app.get(`${P}/`, { config: { auth: 'admin' }, schema: { querystring: UserListQuery } }, async (request) => {
    const q = request.query;
    return listed(await svc.users.list({ query: q.query, orderBy: q.order_by, direction: q.direction, page: q.page }));
  });

  app.get(`${P}/all`, { config: { auth: 'admin' } }, async () => listed(await svc.users.list({ all: true })));

  // The groups the caller belongs to.
  app.get(`${P}/groups`, { config: { auth: 'verified' } }, async (request) => groups.forMember(currentUser(request).id));

  // Effective permissions: defaults with the caller's groups' grants OR-ed in (modules/users/permissions.ts).
  app.get(`${P}/permissions`, { config: { auth: 'verified' } }, async (request) => permissionsFor(ctx, currentUser(request)));

  app.get(`${P}/default/permissions`, { config: { auth: 'admin' } }, async () => defaultPermissions(ctx));

  app.post(`${P}/default/permissions`, { ...body, config: { auth: 'admin' }, schema: { body: UserPermissions } }, async (request) => {
    const saved = mergePermissions(ctx.config.permissions.defaults, request.body);
    await ctx.settings.set({ USER_PERMISSIONS: saved });
    return saved;
  });

  app.post(`${P}/update/role`, { ...body, config: { auth: 'admin' }, schema: { body: UserRoleUpdateForm } }, async (request) =>
    svc.updateRole(currentUser(request), request.body.id, request.body.role),
  );

  app.get(`${P}/user/settings`, { config: { auth: 'verified' } }, async (request) => currentUser(request).settings ?? null);

  app.post(`${P}/user/settings/update`, { ...body, config: { auth: 'verified' }, schema: { body: UserSettings } }, async (request) =>
    svc.saveSettings(currentUser(request), request.body),
  );

  app.get(`${P}/user/info`, { config: { auth: 'verified' } }, async (request) => currentUser(request).info ?? null);

  app.post(`${P}/user/info/update`, { ...body, config: { auth: 'verified' }, schema: { body: UserInfo } }, async (request) =>
    svc.mergeInfo(currentUser(request), request.body),
  );

  app.get(`${P}/:user_id`, { config: { auth: 'verified' }, schema: { params: IdParams } }, async (request) => svc.publicInfo(request.params.user_id));

  app.post(`${P}/:user_id/update`, { ...body, config: { auth: 'admin' }, schema: { params: IdParams, body: UserUpdateForm } }, async (request) =>
    svc.update(currentUser(request), request.params.user_id, request.body),
  );

  app.delete(`${P}/:user_id`, { config: { auth: 'admin' }, schema: { params: IdParams } }, async (request) => {
    const deleted = await svc.delete(currentUser(request), request.params.user_id);
    if (deleted) await groups.removeUserEverywhere(request.params.user_id);
    return deleted;
  });
}

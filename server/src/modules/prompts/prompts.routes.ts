import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PromptForm, type PromptModel, type UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { canAccess } from '../access/access-control.js';
import { GroupsRepository } from '../groups/groups.repository.js';
import { UsersRepository } from '../users/users.repository.js';
import { withoutSecrets } from '../users/users.service.js';
import { assertPermission, hasPermission } from '../users/permissions.js';
import { PromptsRepository } from './prompts.repository.js';

const P = '/api/v1/prompts';
const COMMAND_TAKEN = 'Uh-oh! This command is already registered. Please choose another command string.';
const CommandParams = z.object({ command: z.string().min(1).max(254).regex(/^[\p{L}\p{N}_-]+$/u, 'invalid command') });

/**
 * `/api/v1/prompts/*` (0.6.34 routers/prompts.py): `/command` prompts with access control like models.
 * `GET /` lists what the caller may read (the composer's `/` menu), `GET /list` what they may edit.
 */
export async function promptsRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const prompts = PromptsRepository.for(ctx);
  const groups = GroupsRepository.for(ctx);
  const users = new UsersRepository(ctx.db);
  const verified = { auth: 'verified' } as const;
  const adminBypass = (u: UserModel) => u.role === 'admin' && ctx.config.permissions.bypassAdminAccessControl;

  const visible = async (user: UserModel, type: 'read' | 'write'): Promise<PromptModel[]> => {
    const all = await prompts.all();
    if (adminBypass(user)) return all;
    const groupIds = await groups.groupIdsForUser(user.id);
    return all.filter((p) => canAccess(user, groupIds, type, p));
  };
  const mayWrite = async (user: UserModel, p: PromptModel) => user.role === 'admin' || canAccess(user, await groups.groupIdsForUser(user.id), 'write', p);
  const found = async (command: string) => {
    const p = await prompts.get(`/${command}`);
    if (!p) throw new ApiError(401, ERROR_MESSAGES.NOT_FOUND);
    return p;
  };
  const checkSharing = async (user: UserModel, form: PromptForm) => {
    if (form.access_control === null && user.role !== 'admin' && !(await hasPermission(ctx, user, 'sharing.public_prompts'))) {
      throw new ApiError(401, ERROR_MESSAGES.UNAUTHORIZED);
    }
  };

  app.get(`${P}/`, { config: verified }, async (request) => visible(currentUser(request), 'read'));

  app.get(`${P}/list`, { config: verified }, async (request) => {
    const list = await visible(currentUser(request), 'write');
    const owners = new Map<string, unknown>();
    for (const id of new Set(list.map((p) => p.user_id))) {
      const u = await users.findById(id);
      if (u) owners.set(id, withoutSecrets(u));
    }
    return list.map((p) => ({ ...p, user: owners.get(p.user_id) ?? null }));
  });

  app.post(`${P}/create`, { config: verified, schema: { body: PromptForm } }, async (request) => {
    const user = currentUser(request);
    await assertPermission(ctx, user, 'workspace.prompts');
    if (await prompts.get(request.body.command)) throw new ApiError(400, COMMAND_TAKEN);
    await checkSharing(user, request.body);
    try {
      return await prompts.insert(user.id, request.body);
    } catch {
      throw new ApiError(400, COMMAND_TAKEN); // a concurrent create of the same command
    }
  });

  app.get(`${P}/command/:command`, { config: verified, schema: { params: CommandParams } }, async (request) => {
    const user = currentUser(request);
    const p = await found(request.params.command);
    if (user.role === 'admin' || canAccess(user, await groups.groupIdsForUser(user.id), 'read', p)) return p;
    throw new ApiError(401, ERROR_MESSAGES.NOT_FOUND);
  });

  app.post(`${P}/command/:command/update`, { config: verified, schema: { params: CommandParams, body: PromptForm } }, async (request) => {
    const user = currentUser(request);
    const p = await found(request.params.command);
    if (!(await mayWrite(user, p))) throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
    if (request.body.access_control === null && p.access_control !== null) await checkSharing(user, request.body);
    return (await prompts.update(p.command, request.body)) ?? p;
  });

  app.delete(`${P}/command/:command/delete`, { config: verified, schema: { params: CommandParams } }, async (request) => {
    const user = currentUser(request);
    const p = await found(request.params.command);
    if (!(await mayWrite(user, p))) throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
    return prompts.delete(p.command);
  });
}

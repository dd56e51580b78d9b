import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FeedbackForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import { PathText } from '../chats/chats.http.js';
import { FeedbackRepository, type FeedbackModel } from './feedback.repository.js';

const IdParams = z.object({ id: PathText.pipe(z.string().max(255)) });
// 10 MB: a snapshot carries the whole chat.
const BODY_LIMIT = 10 * 1024 * 1024;

/**
 * `/api/v1/evaluations/feedback*`: ratings of replies (thumbs up/down with reason and comment, the
 * chat snapshot). A user sees and changes their own; an admin sees all, for the leaderboard.
 */
export async function evaluationsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const repo = new FeedbackRepository(ctx.db);
  const verified = { config: { auth: 'verified' as const } };
  const admin = { config: { auth: 'admin' as const } };
  const P = '/api/v1/evaluations';

  const withoutSnapshot = ({ snapshot: _s, ...rest }: FeedbackModel) => rest;
  const findOwn = async (request: FastifyRequest) => {
    const user = currentUser(request);
    const fb = await repo.get((request.params as { id: string }).id, user.role === 'admin' ? undefined : user.id);
    if (!fb) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
    return fb;
  };

  app.get(`${P}/feedbacks/all`, admin, async () => {
    const list = await repo.list();
    const ids = [...new Set(list.map((f) => f.user_id))];
    const users = ids.length ? await ctx.db.kysely.selectFrom('user').select(['id', 'name', 'email', 'role', 'last_active_at', 'updated_at', 'created_at']).where('id', 'in', ids).execute() : [];
    const byId = new Map(users.map((u) => [u.id, u]));
    return list.map((f) => ({ ...withoutSnapshot(f), user: byId.get(f.user_id) ?? null }));
  });
  app.delete(`${P}/feedbacks/all`, admin, async () => repo.deleteAll());
  app.get(`${P}/feedbacks/all/export`, admin, async () => repo.list());
  app.get(`${P}/feedbacks/user`, verified, async (request) => (await repo.list(currentUser(request).id)).map(withoutSnapshot));
  app.delete(`${P}/feedbacks`, verified, async (request) => repo.deleteAll(currentUser(request).id));

  app.post(`${P}/feedback`, { ...verified, bodyLimit: BODY_LIMIT, schema: { body: FeedbackForm } }, async (request) =>
    repo.insert(currentUser(request).id, request.body as FeedbackForm),
  );
  app.get(`${P}/feedback/:id`, { ...verified, schema: { params: IdParams } }, async (request) => findOwn(request));
  app.post(`${P}/feedback/:id`, { ...verified, bodyLimit: BODY_LIMIT, schema: { params: IdParams, body: FeedbackForm } }, async (request) => {
    const fb = await findOwn(request);
    return repo.update(fb.id, request.body as FeedbackForm);
  });
  app.delete(`${P}/feedback/:id`, { ...verified, schema: { params: IdParams } }, async (request) => repo.delete((await findOwn(request)).id));
}

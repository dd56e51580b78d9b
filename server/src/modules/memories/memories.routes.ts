import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AddMemoryForm, MemoryUpdateModel, QueryMemoryForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { currentUser } from '../../plugins/auth-guard.js';
import { PathText } from '../chats/chats.http.js';
import { MemoriesRepository, rankMemories } from './memories.repository.js';

const IdParams = z.object({ memory_id: PathText.pipe(z.string().max(255)) });

/**
 * `/api/v1/memories`: facts a user wants every chat to know. Query answers in the vector store's
 * result shape (`ids`, `documents`, `metadatas`, `distances`, one list per query) like the original.
 */
export async function memoriesRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const repo = new MemoriesRepository(ctx.db);
  const verified = { config: { auth: 'verified' as const } };
  const P = '/api/v1/memories';

  app.get(`${P}/`, verified, async (request) => repo.list(currentUser(request).id));
  app.post(`${P}/add`, { ...verified, schema: { body: AddMemoryForm } }, async (request) =>
    repo.insert(currentUser(request).id, (request.body as { content: string }).content),
  );
  app.post(`${P}/query`, { ...verified, schema: { body: QueryMemoryForm } }, async (request) => {
    const body = request.body as z.infer<typeof QueryMemoryForm>;
    const all = await repo.list(currentUser(request).id);
    if (!all.length) throw new ApiError(404, 'No memories found for user');
    const hits = rankMemories(all, body.content, body.k ?? 1);
    return {
      ids: [hits.map((h) => h.memory.id)],
      documents: [hits.map((h) => h.memory.content)],
      metadatas: [hits.map((h) => ({ created_at: h.memory.created_at }))],
      distances: [hits.map((h) => h.distance)],
    };
  });
  // The original re-embeds every memory here; there is no vector copy to rebuild in this build.
  app.post(`${P}/reset`, verified, async () => true);
  app.delete(`${P}/delete/user`, verified, async (request) => repo.deleteAll(currentUser(request).id));
  app.post(`${P}/:memory_id/update`, { ...verified, schema: { params: IdParams, body: MemoryUpdateModel } }, async (request) => {
    const { memory_id } = request.params as { memory_id: string };
    const userId = currentUser(request).id;
    const content = (request.body as { content?: string | null }).content;
    const found = await repo.get(memory_id, userId);
    if (!found) throw new ApiError(404, 'Memory not found');
    return content ? repo.update(memory_id, userId, content) : found;
  });
  app.delete(`${P}/:memory_id`, { ...verified, schema: { params: IdParams } }, async (request) =>
    repo.delete((request.params as { memory_id: string }).memory_id, currentUser(request).id),
  );
}

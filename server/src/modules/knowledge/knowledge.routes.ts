import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { KnowledgeFileIdBatch, KnowledgeFileIdForm, KnowledgeForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { RagRuntime } from '../../rag/runtime.js';
import { KnowledgeService } from './knowledge.service.js';

const IdParams = z.object({ id: z.string().min(1).max(200) });
const auth = { auth: 'verified' as const };

/** `/api/v1/knowledge/*`, as the original UI calls it. */
export async function knowledgeRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = new KnowledgeService(RagRuntime.for(ctx));

  app.get('/api/v1/knowledge/', { config: auth }, async (request) => svc.list(currentUser(request), 'read'));
  app.get('/api/v1/knowledge/list', { config: auth }, async (request) => svc.list(currentUser(request), 'write'));
  app.post('/api/v1/knowledge/create', { config: auth, schema: { body: KnowledgeForm } }, async (request) => svc.create(currentUser(request), request.body));
  app.post('/api/v1/knowledge/reindex', { config: { auth: 'admin' } }, async () => svc.reindex());
  app.get('/api/v1/knowledge/:id', { config: auth, schema: { params: IdParams } }, async (request) => svc.get(request.params.id, currentUser(request)));
  app.post('/api/v1/knowledge/:id/update', { config: auth, schema: { params: IdParams, body: KnowledgeForm } }, async (request) =>
    svc.update(request.params.id, currentUser(request), request.body),
  );
  app.post('/api/v1/knowledge/:id/file/add', { config: auth, schema: { params: IdParams, body: KnowledgeFileIdForm } }, async (request) =>
    svc.addFile(request.params.id, currentUser(request), request.body.file_id),
  );
  app.post('/api/v1/knowledge/:id/file/update', { config: auth, schema: { params: IdParams, body: KnowledgeFileIdForm } }, async (request) =>
    svc.updateFile(request.params.id, currentUser(request), request.body.file_id),
  );
  app.post(
    '/api/v1/knowledge/:id/file/remove',
    { config: auth, schema: { params: IdParams, body: KnowledgeFileIdForm, querystring: z.object({ delete_file: z.enum(['true', 'false']).default('true') }) } },
    async (request) => svc.removeFile(request.params.id, currentUser(request), request.body.file_id, request.query.delete_file === 'true'),
  );
  app.post('/api/v1/knowledge/:id/files/batch/add', { config: auth, schema: { params: IdParams, body: KnowledgeFileIdBatch } }, async (request) =>
    svc.addFiles(request.params.id, currentUser(request), request.body.map((f) => f.file_id)),
  );
  app.post('/api/v1/knowledge/:id/reset', { config: auth, schema: { params: IdParams } }, async (request) => svc.reset(request.params.id, currentUser(request)));
  app.delete('/api/v1/knowledge/:id/delete', { config: auth, schema: { params: IdParams } }, async (request) => svc.delete(request.params.id, currentUser(request)));
}

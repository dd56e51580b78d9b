import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { EmbeddingConfigUpdate, ProcessFileForm, ProcessTextForm, QueryCollectionsForm, QueryDocForm, RetrievalConfigUpdate } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { canReadFile, canWriteKnowledge } from '../../rag/access.js';
import { canReadCollection } from '../../rag/collection-access.js';
import { indexText, processFileJob } from '../../rag/pipeline.js';
import { queryCollections } from '../../rag/retrieve.js';
import { RagRuntime } from '../../rag/runtime.js';
import { ragSettings } from '../../rag/settings.js';
import { fileModel } from '../files/files.service.js';
import { processBatchRoutes } from './process-batch.routes.js';
import { vectorAdminRoutes } from './vector-admin.routes.js';
import { webRetrievalRoutes } from './web.routes.js';
import { embeddingConfig, retrievalConfig, updateEmbeddingConfig, updateRetrievalConfig } from './retrieval.config.js';

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * `/api/v1/retrieval/*`: settings (admin), processing a file or a text into a collection, and queries.
 * `process/web` and `process/web/search`: web.routes.ts (web search).
 */
export async function retrievalRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const rt = RagRuntime.for(ctx);

  app.get('/api/v1/retrieval/', { config: { auth: 'verified' } }, async () => {
    const s = ctx.settings;
    return {
      status: true,
      chunk_size: s.get('CHUNK_SIZE'),
      chunk_overlap: s.get('CHUNK_OVERLAP'),
      template: s.get('RAG_TEMPLATE'),
      embedding_engine: s.get('RAG_EMBEDDING_ENGINE'),
      embedding_model: s.get('RAG_EMBEDDING_MODEL'),
      reranking_model: s.get('RAG_RERANKING_MODEL'),
      embedding_batch_size: s.get('RAG_EMBEDDING_BATCH_SIZE'),
    };
  });
  app.get('/api/v1/retrieval/embedding', { config: { auth: 'admin' } }, async () => embeddingConfig(ctx));
  app.post('/api/v1/retrieval/embedding/update', { config: { auth: 'admin' }, schema: { body: EmbeddingConfigUpdate } }, async (request) => {
    await updateEmbeddingConfig(ctx, request.body);
    return embeddingConfig(ctx);
  });
  app.get('/api/v1/retrieval/config', { config: { auth: 'admin' } }, async () => retrievalConfig(ctx));
  app.post('/api/v1/retrieval/config/update', { config: { auth: 'admin' }, schema: { body: RetrievalConfigUpdate } }, async (request) => {
    await updateRetrievalConfig(ctx, request.body);
    return retrievalConfig(ctx);
  });

  await webRetrievalRoutes(root, ctx);
  await vectorAdminRoutes(root, ctx);
  await processBatchRoutes(root, ctx);

  app.post('/api/v1/retrieval/process/file', { config: { auth: 'verified' }, schema: { body: ProcessFileForm } }, async (request) => {
    const user = currentUser(request);
    const file = await rt.files.get(request.body.file_id);
    if (!file || !canReadFile(user, file)) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
    const collection = request.body.collection_name ?? undefined;
    if (collection) {
      const k = await rt.knowledge.get(collection);
      if (k ? !canWriteKnowledge(user, k) : !(await canReadCollection(rt, user, collection))) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
    }
    const content = request.body.content ?? undefined;
    await processFileJob(rt, { fileId: file.id, userId: user.id, content, collection });
    const fresh = (await rt.files.get(file.id))!;
    if (fresh.data.status === 'failed') throw new ApiError(400, ERROR_MESSAGES.DEFAULT(String(fresh.data.error)));
    return { status: true, collection_name: collection ?? `file-${file.id}`, filename: fresh.filename, content: fresh.data.content ?? '', file: fileModel(fresh, false) };
  });

  app.post('/api/v1/retrieval/process/text', { config: { auth: 'verified' }, schema: { body: ProcessTextForm } }, async (request) => {
    const user = currentUser(request);
    const collection = request.body.collection_name ?? createHash('sha256').update(request.body.content).digest('hex');
    if (!(await canReadCollection(rt, user, collection)) || collection.startsWith('file-') || (await rt.knowledge.get(collection))) {
      throw new ApiError(400, ERROR_MESSAGES.DEFAULT('This collection name is taken'));
    }
    try {
      await indexText(rt, collection, request.body.name, request.body.content, user.id);
    } catch (err) {
      throw new ApiError(400, ERROR_MESSAGES.DEFAULT(reason(err)));
    }
    return { status: true, collection_name: collection, content: request.body.content };
  });

  const query = async (user: ReturnType<typeof currentUser>, names: string[], form: QueryDocForm) => {
    for (const n of names) if (!(await canReadCollection(rt, user, n))) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
    const s = ragSettings(ctx);
    try {
      return await queryCollections(rt, s, names, [form.query], {
        k: form.k ?? s.topK,
        kReranker: form.k_reranker ?? s.topKReranker,
        hybrid: s.hybrid && form.hybrid !== false,
        threshold: form.r ?? s.relevanceThreshold,
      });
    } catch (err) {
      throw new ApiError(400, ERROR_MESSAGES.DEFAULT(reason(err)));
    }
  };
  app.post('/api/v1/retrieval/query/doc', { config: { auth: 'verified' }, schema: { body: QueryDocForm } }, async (request) =>
    query(currentUser(request), [request.body.collection_name], request.body),
  );
  app.post('/api/v1/retrieval/query/collection', { config: { auth: 'verified' }, schema: { body: QueryCollectionsForm } }, async (request) =>
    query(currentUser(request), [...new Set(request.body.collection_names)], { ...request.body, collection_name: '' }),
  );
}

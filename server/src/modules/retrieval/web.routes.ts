import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ProcessUrlForm, WebSearchForm, type UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { canReadCollection } from '../../rag/collection-access.js';
import { RagRuntime } from '../../rag/runtime.js';
import { loadPage, WebLoadError } from '../../rag/web/loader.js';
import { indexWebDocs, processWebSearch } from '../../rag/web/search.js';
import { webSettings } from '../../rag/web/settings.js';
import { assertWebSearchPermission } from '../../rag/web/chat-step.js';

/** Web search is the admin's to turn on (ENABLE_WEB_SEARCH) and, for plain users, the `features.web_search` permission. */
export async function assertWebSearchAllowed(ctx: AppContext, user: UserModel): Promise<void> {
  if (!webSettings(ctx).enable) throw new ApiError(400, 'Web search is not enabled (Admin > Settings > Web Search).');
  await assertWebSearchPermission(ctx, user);
}

/**
 * `/api/v1/retrieval/process/web` (one URL into a collection, or its text with
 * BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL) and `/process/web/search` (search, load, index), in the
 * original's request and response shapes. Called from retrievalRoutes.
 */
export async function webRetrievalRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const rt = RagRuntime.for(ctx);

  // The original registers one handler under both paths (a YouTube URL is loaded like any page).
  for (const route of ['/api/v1/retrieval/process/web', '/api/v1/retrieval/process/youtube']) app.post(route, { config: { auth: 'verified' }, schema: { body: ProcessUrlForm } }, async (request) => {
    const user = currentUser(request);
    const s = webSettings(ctx);
    const url = request.body.url.trim();
    let collection = request.body.collection_name ?? createHash('sha256').update(url).digest('hex').slice(0, 63);
    if (!(await canReadCollection(rt, user, collection)) || collection.startsWith('file-') || (await rt.knowledge.get(collection))) {
      throw new ApiError(400, ERROR_MESSAGES.DEFAULT('This collection name is taken'));
    }
    let doc;
    try {
      doc = await loadPage(rt, url, s);
    } catch (err) {
      if (err instanceof WebLoadError) throw new ApiError(err.status, ERROR_MESSAGES.DEFAULT(err.message));
      throw err;
    }
    if (!doc.content) throw new ApiError(400, ERROR_MESSAGES.DEFAULT('The page has no text'));
    if (s.bypassRetrieval) collection = null as unknown as string;
    else await indexWebDocs(rt, collection, [doc], user.id);
    return {
      status: true,
      collection_name: collection,
      filename: url,
      file: { data: { content: doc.content }, meta: { name: url, source: url } },
    };
  });

  app.post('/api/v1/retrieval/process/web/search', { config: { auth: 'verified' }, schema: { body: WebSearchForm } }, async (request) => {
    const user = currentUser(request);
    await assertWebSearchAllowed(ctx, user);
    return processWebSearch(ctx, user.id, request.body.queries.map((q) => q.trim()).filter(Boolean));
  });
}

import type { FastifyInstance } from 'fastify';
import { DeleteEntriesForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { RagRuntime } from '../../rag/runtime.js';

/**
 * The original's vector-store maintenance under `/api/v1/retrieval/` (all admin): delete one file's
 * chunks from a collection, reset the store (and every knowledge base, as the original does), and
 * empty the uploads folder (Admin > Settings > Documents calls the two resets).
 */
export async function vectorAdminRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const rt = RagRuntime.for(ctx);

  // `{status: false}` for an unknown collection or file, as the original answers (never a 404).
  app.post('/api/v1/retrieval/delete', { config: { auth: 'admin' }, schema: { body: DeleteEntriesForm } }, async (request) => {
    const store = await rt.store();
    const { collection_name: collection, file_id: fileId } = request.body;
    if (!(await store.hasCollection(collection)) || !(await rt.files.get(fileId))) return { status: false };
    await store.deleteFile(collection, fileId);
    return { status: true };
  });

  app.post('/api/v1/retrieval/reset/db', { config: { auth: 'admin' } }, async () => {
    await (await rt.store()).reset();
    await rt.knowledge.deleteAll();
    return null;
  });

  // The files' rows stay (as in the original); their bytes are gone, so their content answers 404.
  app.post('/api/v1/retrieval/reset/uploads', { config: { auth: 'admin' } }, async () => {
    await rt.storage.deleteAll();
    return true;
  });
}

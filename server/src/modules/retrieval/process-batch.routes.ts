import type { FastifyInstance } from 'fastify';
import { ProcessFilesBatchForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { canWriteFile, canWriteKnowledge, groupIdsOf } from '../../rag/access.js';
import { canReadCollection } from '../../rag/collection-access.js';
import { processFileJob } from '../../rag/pipeline.js';
import { RagRuntime } from '../../rag/runtime.js';

interface BatchResult {
  file_id: string;
  status: string;
  error?: string;
}

/**
 * `process/files/batch`: the original's bulk "index these files' text into one collection". Unlike the
 * original, which trusts the file models it is sent, each file must exist and be the caller's (or the
 * caller an admin), and the collection must be one the caller may write; a file that fails is listed in
 * `errors` and the others still go in. The text is the one sent (`data.content`), else the stored one.
 */
export async function processBatchRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const rt = RagRuntime.for(ctx);

  app.post('/api/v1/retrieval/process/files/batch', { config: { auth: 'verified' }, schema: { body: ProcessFilesBatchForm } }, async (request) => {
    const user = currentUser(request);
    const collection = request.body.collection_name;
    const k = await rt.knowledge.get(collection);
    if (k ? !canWriteKnowledge(user, k, await groupIdsOf(ctx, user)) : collection.startsWith('file-') || !(await canReadCollection(rt, user, collection))) {
      throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
    }
    const results: BatchResult[] = [];
    const errors: BatchResult[] = [];
    for (const f of request.body.files) {
      const file = await rt.files.get(f.id);
      if (!file || !canWriteFile(user, file)) {
        errors.push({ file_id: f.id, status: 'failed', error: ERROR_MESSAGES.NOT_FOUND });
        continue;
      }
      const sent = f.data?.content;
      const content = typeof sent === 'string' && sent !== '' ? sent : typeof file.data.content === 'string' ? file.data.content : '';
      await processFileJob(rt, { fileId: file.id, userId: user.id, content: content.replace(/<br\/>/g, '\n'), collection });
      const fresh = await rt.files.get(file.id);
      if (fresh?.data.status === 'completed') results.push({ file_id: file.id, status: 'completed' });
      else errors.push({ file_id: file.id, status: 'failed', error: String(fresh?.data.error ?? 'Error processing file') });
    }
    return { results, errors };
  });
}

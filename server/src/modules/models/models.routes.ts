import type { FastifyInstance } from 'fastify';
import { ModelsQuery } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { openaiStyleErrors } from '../openai/openai.errors.js';
import { visibleModels } from './model-catalog.js';
import { ModelRecordsService } from './model-records.service.js';
import { ModelAvailability } from './models.availability.js';
import { ModelsService } from './models.service.js';

/** `/api/models` (+ `/api/v1/models`) for every verified user, `/api/models/base` for admins. */
export async function modelsRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = ModelsService.for(ctx);
  const records = new ModelRecordsService(ctx);
  const availability = ModelAvailability.for(ctx);

  for (const url of ['/api/models', '/api/v1/models']) {
    app.get(url, { config: { auth: 'verified' }, schema: { querystring: ModelsQuery }, errorHandler: openaiStyleErrors }, async (request) => {
      // `/api/v1/models/` (trailing slash) is the original's workspace router: the caller's model
      // records. The router ignores trailing slashes, so the two share this handler.
      if (url === '/api/v1/models' && request.url.split('?')[0]!.endsWith('/')) return records.list(currentUser(request));
      // Model records applied and the access rule filtered in (model-catalog.ts, model-access.ts).
      const data = await visibleModels(ctx, currentUser(request), await svc.list({ refresh: request.query.refresh }));
      // Not in the original's body: `object` lets OpenAI SDKs' models.list() page over it unchanged;
      // `no_models` says why the list is empty (see models.availability.ts).
      if (data.length) return { data, object: 'list' };
      return { data, object: 'list', no_models: await availability.explain(request.user?.role === 'admin') };
    });
  }

  // `/api/v1/models/base` is the workspace router's (model-records.routes.ts): records, not upstream models.
  app.get('/api/models/base', { config: { auth: 'admin' } }, async () => ({ data: await svc.list() }));
}

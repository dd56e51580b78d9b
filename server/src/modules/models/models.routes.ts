import type { FastifyInstance } from 'fastify';
import { ModelsQuery } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { openaiStyleErrors } from '../openai/openai.errors.js';
import { ModelAvailability } from './models.availability.js';
import { ModelsService } from './models.service.js';

/** `/api/models` (+ `/api/v1/models`) for every verified user, `/api/models/base` for admins. */
export async function modelsRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = ModelsService.for(ctx);
  const availability = ModelAvailability.for(ctx);

  for (const url of ['/api/models', '/api/v1/models']) {
    app.get(url, { config: { auth: 'verified' }, schema: { querystring: ModelsQuery }, errorHandler: openaiStyleErrors }, async (request) => {
      const data = await svc.list({ refresh: request.query.refresh });
      // Not in the original's body: `object` lets OpenAI SDKs' models.list() page over it unchanged;
      // `no_models` says why the list is empty (see models.availability.ts).
      if (data.length) return { data, object: 'list' };
      return { data, object: 'list', no_models: await availability.explain(request.user?.role === 'admin') };
    });
  }

  for (const url of ['/api/models/base', '/api/v1/models/base']) {
    app.get(url, { config: { auth: 'admin' } }, async () => ({ data: await svc.list() }));
  }
}

import type { FastifyInstance } from 'fastify';
import { ModelsConfigForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';

/**
 * `/api/v1/configs/models` (admin): default models (comma list), the model order list and, as newer
 * builds also accept, the default pinned models. Persisted like every PersistentConfig value.
 */
export async function modelsConfigRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const read = () => ({
    DEFAULT_MODELS: ctx.settings.get('DEFAULT_MODELS'),
    MODEL_ORDER_LIST: ctx.settings.get('MODEL_ORDER_LIST'),
    DEFAULT_PINNED_MODELS: ctx.settings.get('DEFAULT_PINNED_MODELS'),
  });

  app.get('/api/v1/configs/models', { config: { auth: 'admin' } }, async () => read());

  app.post('/api/v1/configs/models', { config: { auth: 'admin' }, schema: { body: ModelsConfigForm } }, async (request) => {
    const { DEFAULT_MODELS, MODEL_ORDER_LIST, DEFAULT_PINNED_MODELS } = request.body;
    await ctx.settings.set({
      DEFAULT_MODELS,
      MODEL_ORDER_LIST,
      ...(DEFAULT_PINNED_MODELS !== undefined ? { DEFAULT_PINNED_MODELS } : {}),
    });
    return read();
  });
}

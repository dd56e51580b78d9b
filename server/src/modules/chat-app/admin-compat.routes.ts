import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';

const ImportConfigForm = z.object({ config: z.record(z.string(), z.unknown()) });
const AnyForm = z.record(z.string(), z.unknown());

/** Code execution is not built: its settings answer in the original's shape, switched off. */
const CODE_EXECUTION_OFF = {
  ENABLE_CODE_EXECUTION: false,
  CODE_EXECUTION_ENGINE: 'pyodide',
  CODE_EXECUTION_JUPYTER_URL: '',
  CODE_EXECUTION_JUPYTER_AUTH: '',
  CODE_EXECUTION_JUPYTER_AUTH_TOKEN: '',
  CODE_EXECUTION_JUPYTER_AUTH_PASSWORD: '',
  CODE_EXECUTION_JUPYTER_TIMEOUT: 60,
  ENABLE_CODE_INTERPRETER: false,
  CODE_INTERPRETER_ENGINE: 'pyodide',
  CODE_INTERPRETER_PROMPT_TEMPLATE: '',
  CODE_INTERPRETER_JUPYTER_URL: '',
  CODE_INTERPRETER_JUPYTER_AUTH: '',
  CODE_INTERPRETER_JUPYTER_AUTH_TOKEN: '',
  CODE_INTERPRETER_JUPYTER_AUTH_PASSWORD: '',
  CODE_INTERPRETER_JUPYTER_TIMEOUT: 60,
};
/** Arena models (blind A/B evaluation) are not built: the Evaluations page sees them off. */
const ARENA_OFF = { ENABLE_EVALUATION_ARENA_MODELS: false, EVALUATION_ARENA_MODELS: [] };

/**
 * Admin panel endpoints of the original's UI around the chat app: the whole-config export/import
 * (Admin > Database) over PersistentConfig's stored tree, and the disabled forms of features this
 * build does not have, so those pages load instead of failing with a 404.
 */
export async function adminCompatRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const admin = { config: { auth: 'admin' as const } };

  app.get('/api/v1/configs/export', admin, async () => ctx.settings.tree());
  app.post('/api/v1/configs/import', { ...admin, schema: { body: ImportConfigForm } }, async (request) => {
    await ctx.settings.replaceTree((request.body as z.infer<typeof ImportConfigForm>).config);
    return ctx.settings.tree();
  });

  app.get('/api/v1/configs/code_execution', admin, async () => CODE_EXECUTION_OFF);
  app.post('/api/v1/configs/code_execution', { ...admin, schema: { body: AnyForm } }, async () => CODE_EXECUTION_OFF);
  app.get('/api/v1/evaluations/config', admin, async () => ARENA_OFF);
  app.post('/api/v1/evaluations/config', { ...admin, schema: { body: AnyForm } }, async () => ARENA_OFF);
}

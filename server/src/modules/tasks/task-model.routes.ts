import type { FastifyInstance } from 'fastify';
import { TaskCompletionForm, TaskConfigForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import type { PersistentValues } from '../../config/persistent-keys.js';
import { currentUser } from '../../plugins/auth-guard.js';
import { DISABLED_DETAIL, TaskModelService } from './task-model.js';
import type { TaskKind } from './task-prompts.js';

const KEYS = [
  'TASK_MODEL',
  'TASK_MODEL_EXTERNAL',
  'ENABLE_TITLE_GENERATION',
  'TITLE_GENERATION_PROMPT_TEMPLATE',
  'ENABLE_TAGS_GENERATION',
  'TAGS_GENERATION_PROMPT_TEMPLATE',
  'ENABLE_FOLLOW_UP_GENERATION',
  'FOLLOW_UP_GENERATION_PROMPT_TEMPLATE',
] as const;

/**
 * `/api/v1/tasks`: the task model's settings and the title / tags / follow-up completions the UI (or a
 * script) can call directly. Keys of the original's config form that belong to features not built here
 * (autocomplete, query generation, tools prompt) are reported in their off / empty form.
 */
export async function taskModelRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const svc = TaskModelService.for(ctx);
  const s = ctx.settings;
  const config = () => ({
    ...Object.fromEntries(KEYS.map((k) => [k, s.get(k)])),
    IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE: '',
    ENABLE_AUTOCOMPLETE_GENERATION: false,
    AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH: -1,
    ENABLE_SEARCH_QUERY_GENERATION: false,
    ENABLE_RETRIEVAL_QUERY_GENERATION: false,
    QUERY_GENERATION_PROMPT_TEMPLATE: '',
    TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE: '',
  });

  app.get('/api/v1/tasks/config', { config: { auth: 'verified' } }, async () => config());
  app.post('/api/v1/tasks/config/update', { config: { auth: 'admin' }, schema: { body: TaskConfigForm } }, async (request) => {
    const body = request.body as TaskConfigForm;
    const patch: Partial<PersistentValues> = {};
    for (const k of KEYS) {
      const v = body[k];
      if (v === undefined) continue;
      (patch as Record<string, unknown>)[k] = v ?? '';
    }
    await s.set(patch);
    return config();
  });

  const kinds: Array<[string, TaskKind]> = [
    ['title', 'title'],
    ['tags', 'tags'],
    ['follow_up', 'follow_up'],
    ['follow_ups', 'follow_up'],
  ];
  for (const [path, kind] of kinds) {
    app.post(`/api/v1/tasks/${path}/completions`, { config: { auth: 'verified' }, schema: { body: TaskCompletionForm } }, async (request, reply) => {
      if (!svc.enabled(kind)) return reply.status(200).send({ detail: DISABLED_DETAIL[kind] });
      const body = request.body as TaskCompletionForm;
      return svc.run(kind, { model: body.model, messages: body.messages, chat_id: body.chat_id }, currentUser(request));
    });
  }
}

import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { MoaCompletionForm, TaskCompletionForm, TaskConfigForm } from '@owui/contracts';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { chunksToSse } from '../../llm/translate/chat-stream.js';
import { clientAbortSignal, relayStream, sseErrorLine } from '../../llm/stream-relay.js';
import type { AppContext } from '../../context.js';
import type { PersistentValues } from '../../config/persistent-keys.js';
import { currentUser } from '../../plugins/auth-guard.js';
import { DISABLED_DETAIL, TaskModelService } from './task-model.js';
import { DEFAULT_MOA_TEMPLATE, renderMoaTemplate, type TaskKind } from './task-prompts.js';

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
    // Web search's query generation (rag/web/chat-step.ts).
    ENABLE_SEARCH_QUERY_GENERATION: s.get('ENABLE_SEARCH_QUERY_GENERATION'),
    ENABLE_RETRIEVAL_QUERY_GENERATION: false,
    QUERY_GENERATION_PROMPT_TEMPLATE: s.get('QUERY_GENERATION_PROMPT_TEMPLATE'),
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
    const q = body as Record<string, unknown>;
    if (typeof q.ENABLE_SEARCH_QUERY_GENERATION === 'boolean') patch.ENABLE_SEARCH_QUERY_GENERATION = q.ENABLE_SEARCH_QUERY_GENERATION;
    if (typeof q.QUERY_GENERATION_PROMPT_TEMPLATE === 'string' || q.QUERY_GENERATION_PROMPT_TEMPLATE === null) patch.QUERY_GENERATION_PROMPT_TEMPLATE = q.QUERY_GENERATION_PROMPT_TEMPLATE ?? '';
    await s.set(patch);
    return config();
  });

  // Merge Responses: one answer from several models' answers, streamed like a chat reply.
  app.post('/api/v1/tasks/moa/completions', { config: { auth: 'verified' }, schema: { body: MoaCompletionForm } }, async (request, reply) => {
    const body = request.body as MoaCompletionForm;
    if (!(await svc.completions.models.resolve(body.model))) throw new ApiError(404, ERROR_MESSAGES.MODEL_NOT_FOUND_SHORT);
    const content = renderMoaTemplate(DEFAULT_MOA_TEMPLATE, body.prompt, body.responses);
    const outcome = await svc.completions.start({ model: body.model, messages: [{ role: 'user', content }], stream: body.stream === true }, currentUser(request), {
      signal: clientAbortSignal(request, reply),
    });
    if (outcome.kind === 'passthrough') return relayStream(reply, outcome.response, { contentType: 'text/event-stream; charset=utf-8', errorLine: sseErrorLine });
    if (outcome.kind === 'chunks') {
      return reply.status(200).header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').header('x-accel-buffering', 'no').send(Readable.from(chunksToSse(outcome.chunks)));
    }
    return reply.status(outcome.status).send(outcome.body);
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

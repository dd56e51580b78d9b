import type { ModelItem, UserModel } from '@owui/contracts';
import { perContext, type AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { CompletionsService } from '../completions/completions.service.js';
import { DEFAULT_TEMPLATES, renderTemplate, type PromptMessage, type TaskKind } from './task-prompts.js';

const ENABLE_KEY = { title: 'ENABLE_TITLE_GENERATION', tags: 'ENABLE_TAGS_GENERATION', follow_up: 'ENABLE_FOLLOW_UP_GENERATION' } as const;
const TEMPLATE_KEY = { title: 'TITLE_GENERATION_PROMPT_TEMPLATE', tags: 'TAGS_GENERATION_PROMPT_TEMPLATE', follow_up: 'FOLLOW_UP_GENERATION_PROMPT_TEMPLATE' } as const;
export const DISABLED_DETAIL: Record<TaskKind, string> = {
  title: 'Title generation is disabled',
  tags: 'Tags generation is disabled',
  follow_up: 'Follow-up generation is disabled',
};
/** A task answer is short; a model that rambles is cut off here. */
const TASK_MAX_TOKENS = 1000;

/**
 * Calls of the task model (title, tags, follow-ups) through the same completions path as a chat, so
 * access, routing and upstream errors behave the same. Which model: the chat's own, replaced by
 * TASK_MODEL when the chat's model is local (Ollama) or by TASK_MODEL_EXTERNAL otherwise, when set
 * and available (the original's rule).
 */
export class TaskModelService {
  readonly completions: CompletionsService;
  constructor(private readonly ctx: AppContext) {
    this.completions = CompletionsService.for(ctx);
  }
  static for(ctx: AppContext): TaskModelService {
    return perContext(ctx, TaskModelService);
  }

  enabled(kind: TaskKind): boolean {
    return this.ctx.settings.get(ENABLE_KEY[kind]);
  }

  async taskModel(model: ModelItem): Promise<ModelItem> {
    const s = this.ctx.settings;
    const wanted = (model.connection_type ?? (model.owned_by === 'ollama' ? 'local' : 'external')) === 'local' ? s.get('TASK_MODEL') : s.get('TASK_MODEL_EXTERNAL');
    if (!wanted) return model;
    return (await this.completions.models.resolve(wanted)) ?? model;
  }

  /** Runs one task and returns the upstream's `chat.completion` JSON (`choices[0].message.content`). */
  async run(kind: TaskKind, form: { model: string; messages: PromptMessage[]; chat_id?: string | null }, user: UserModel, signal?: AbortSignal): Promise<unknown> {
    const model = await this.completions.models.resolve(form.model);
    if (!model) throw new ApiError(404, ERROR_MESSAGES.MODEL_NOT_FOUND_SHORT);
    const task = await this.taskModel(model);
    const template = this.ctx.settings.get(TEMPLATE_KEY[kind]) || DEFAULT_TEMPLATES[kind];
    const content = renderTemplate(template, form.messages, user);
    const outcome = await this.completions.start(
      { model: task.id, messages: [{ role: 'user', content }], stream: false, max_tokens: TASK_MAX_TOKENS },
      user,
      { signal },
    );
    if (outcome.kind !== 'json') throw new ApiError(400, 'An internal error has occurred.');
    return outcome.body;
  }
}

/** `choices[0].message.content` (or a reasoning model's `reasoning_content`) of a completion. */
export function answerText(res: unknown): string {
  const choices = (res as { choices?: Array<{ message?: { content?: unknown; reasoning_content?: unknown } }> } | null)?.choices;
  if (!Array.isArray(choices) || choices.length !== 1) return '';
  const m = choices[0]?.message;
  return typeof m?.content === 'string' && m.content ? m.content : typeof m?.reasoning_content === 'string' ? m.reasoning_content : '';
}

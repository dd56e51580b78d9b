import type { ChatCompletionRequest, UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { hasPermission } from '../../modules/users/permissions.js';
import { fillQueryTemplate, lastUserMessage, parseQueries, DEFAULT_QUERY_GENERATION_PROMPT_TEMPLATE } from './queries.js';
import { processWebSearch } from './search.js';
import { webSettings } from './settings.js';

type Json = Record<string, unknown>;

/** A status event as the original's event emitter sends it (`{type: 'status', data}`). */
export type StatusEvent = { type: 'status'; data: Json };

export interface WebSearchStepDeps {
  ctx: AppContext;
  /** Asks the task model (the chat's model, as the original without TASK_MODEL): returns its text. */
  complete(messages: ChatCompletionRequest['messages'], signal?: AbortSignal): Promise<string>;
  /** Socket mode: status events to the chat. */
  emit?: (event: StatusEvent) => void;
  signal?: AbortSignal;
}

export const WEB_SEARCH_DENIED = 'You do not have permission to use web search.';

export const wantsWebSearch = (request: ChatCompletionRequest): boolean => Boolean(request.features && (request.features as Json).web_search === true);

/** Plain users need the `features.web_search` permission: 403 with a clear detail, before any work. */
export async function assertWebSearchPermission(ctx: AppContext, user: UserModel): Promise<void> {
  if (user.role !== 'admin' && !(await hasPermission(ctx, user, 'features.web_search'))) throw new ApiError(403, WEB_SEARCH_DENIED);
}

/** The query-generation task (the original's generate_queries, type web_search). Null: none could be made. */
async function generateQueries(deps: WebSearchStepDeps, request: ChatCompletionRequest, user: UserModel): Promise<string[] | null> {
  const s = deps.ctx.settings;
  if (!s.get('ENABLE_SEARCH_QUERY_GENERATION')) return null;
  const template = s.get('QUERY_GENERATION_PROMPT_TEMPLATE') || DEFAULT_QUERY_GENERATION_PROMPT_TEMPLATE;
  const prompt = fillQueryTemplate(template, request.messages, user);
  return parseQueries(await deps.complete([{ role: 'user', content: prompt }], deps.signal));
}

/**
 * The web search step of the chat pipeline (the original's chat_web_search_handler), for
 * `features.web_search`: queries from the task model, search, pages loaded and indexed, and a
 * `web_search` item added to `files` for the files/RAG step to retrieve from (it also returns the pages
 * as `sources`). A fault of the search or the task model never fails the reply: the chat gets a status
 * notice with `error: true` and the model answers without web results.
 */
export async function webSearchStep(deps: WebSearchStepDeps, request: ChatCompletionRequest, user: UserModel): Promise<ChatCompletionRequest> {
  if (!wantsWebSearch(request)) return request;
  const { ctx } = deps;
  const emit = (data: Json) => deps.emit?.({ type: 'status', data });
  await assertWebSearchPermission(ctx, user);
  if (!webSettings(ctx).enable) {
    emit({ action: 'web_search', description: 'Web search is not enabled', done: true, error: true });
    return request;
  }
  emit({ action: 'web_search', description: 'Searching the web', done: false });

  const userMessage = lastUserMessage(request.messages);
  let queries: string[] | null;
  try {
    queries = await generateQueries(deps, request, user);
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message }, 'web search: query generation failed; searching the message itself');
    queries = null;
  }
  if (!queries || (queries.length === 1 && !queries[0]!.trim())) queries = userMessage.trim() ? [userMessage.trim().slice(0, 2000)] : [];
  if (!queries.length) {
    emit({ action: 'web_search', description: 'No search query generated', done: true });
    return request;
  }
  emit({ action: 'web_search_queries_generated', queries, done: false });

  try {
    const results = await processWebSearch(ctx, user.id, queries, {
      signal: deps.signal,
      onResults: (urls) => emit({ action: 'web_search', description: 'Reading {{count}} sites', count: urls.length, urls, done: false }),
    });
    const base = { name: queries.join(', '), type: 'web_search', urls: results.filenames, queries };
    const item = results.collection_names?.length ? { ...base, collection_name: results.collection_names[0] } : { ...base, docs: results.docs ?? [] };
    if (!results.filenames.length) {
      emit({ action: 'web_search', description: 'No search results found', queries, done: true, error: true });
      return request;
    }
    emit({ action: 'web_search', description: 'Searched {{count}} sites', count: results.filenames.length, urls: results.filenames, items: results.items, done: true });
    return { ...request, files: [...(request.files ?? []), item] };
  } catch (err) {
    const detail = err instanceof ApiError ? String(err.detail) : (err as Error).message;
    const notFound = err instanceof ApiError && err.statusCode === 404;
    ctx.log.warn({ detail }, 'web search in chat failed; answering without it');
    emit({
      action: 'web_search',
      description: notFound ? 'No search results found' : 'An error occurred while searching the web',
      ...(notFound ? {} : { error_detail: detail }),
      queries,
      done: true,
      error: true,
    });
    return request;
  }
}

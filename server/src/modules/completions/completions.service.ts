/**
 * CompletionsService — `/api/chat/completions` and `/api/embeddings` behind one interface, whatever
 * serves the model. `CompletionsService.for(ctx)`.
 *
 * - `start(body, user, { signal })` validates the model (unknown -> 400 "Model not found", nothing
 *   sent upstream), strips Open WebUI's fields, applies `params`, routes by `owned_by` and returns
 *   one of:
 *     { kind: 'json', status, body }             a `chat.completion` (translated for Ollama)
 *     { kind: 'chunks', chunks }                 an async iterable of `chat.completion.chunk` objects
 *                                                (Ollama NDJSON translated chunk by chunk)
 *     { kind: 'passthrough', response }          an OpenAI upstream's SSE, to relay byte for byte
 *   Failures before any output throw ApiError with the upstream's status and message. A stream that
 *   breaks later yields one `{error: {message}}` object and stops.
 * - `chunks(body, user, { signal })` is the form for background delivery (the socket mode of the
 *   realtime module): it forces `stream: true` and always yields OpenAI chunk objects, parsing an
 *   OpenAI upstream's SSE as needed; abort the signal to stop the upstream generation.
 * - `embeddings(body, user, opts)` returns the OpenAI-shaped embeddings list.
 */
import type { ChatCompletionRequest, EmbeddingsRequest, ModelItem, UserModel } from '@owui/contracts';
import { perContext, type AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { openaiChatToOllama } from '../../llm/translate/chat-request.js';
import { ollamaChatToOpenai } from '../../llm/translate/chat-response.js';
import { ollamaEmbeddingsToOpenai, openaiEmbeddingsToOllama } from '../../llm/translate/embeddings.js';
import { sseData } from '../../llm/translate/lines.js';
import type { AbortLike, UpstreamResponse } from '../../llm/upstreams.js';
import { ModelAvailability } from '../models/models.availability.js';
import { ModelsService } from '../models/models.service.js';
import { authorizeModelUse, DENY_CHAT, ModelAccess } from '../models/model-access.js';
import { applyPresetToChatRequest, upstreamModelId } from '../models/model-presets.js';
import { assertPermission } from '../users/permissions.js';
import { errorFromException as ollamaException, errorFromResponse as ollamaResponseError } from '../ollama/ollama.errors.js';
import { errorFromException as openaiException, errorFromResponse as openaiResponseError } from '../openai/openai.errors.js';
import { chatFilesStep, type Source } from '../../rag/chat-files.js';
import { stripOpenWebUIFields } from './completion-fields.js';
import { guarded, OllamaChunks } from './ollama-sse.js';
import { applyParams } from './completion-params.js';
import { toolsStep } from '../tools/tools.step.js';
import { chatImageStep, withFilesChunk } from '../images/images.chat-step.js';
import { assertWebSearchPermission, webSearchStep, wantsWebSearch } from '../../rag/web/chat-step.js';

type Json = Record<string, unknown>;

export type CompletionOutcome = (
  | {
      kind: 'json';
      status: number;
      body: unknown;
      /** The reply's text as the upstream sent it, until a step reads `body` (then it is undefined). */
      readonly text?: string;
    }
  | { kind: 'chunks'; chunks: AsyncIterable<Json> }
  | { kind: 'passthrough'; response: UpstreamResponse }
) & {
  /** Retrieved documents (the RAG step) to send ahead of the reply, as the original's `sources`. */
  sources?: Source[];
  /** Images the image generation step made, `[{type: 'image', url}]`, sent ahead of the reply. */
  files?: Json[];
};

function withFilesOutcome(outcome: CompletionOutcome, files: Json[]): CompletionOutcome {
  if (!files.length) return outcome;
  if (outcome.kind === 'json') {
    const body = outcome.body && typeof outcome.body === 'object' && !Array.isArray(outcome.body) ? { files, ...(outcome.body as Json) } : outcome.body;
    return { ...outcome, body, files };
  }
  if (outcome.kind === 'chunks') return { ...outcome, chunks: withFilesChunk(files, outcome.chunks), files };
  return { ...outcome, files };
}

/** The `sources` event that precedes a streamed reply, and the field a JSON reply carries. */
async function* withSources(sources: Source[], chunks: AsyncIterable<Json>): AsyncGenerator<Json> {
  yield { sources };
  yield* chunks;
}

function withSourcesOutcome(outcome: CompletionOutcome, sources: Source[]): CompletionOutcome {
  if (!sources.length) return outcome;
  if (outcome.kind === 'json') {
    const body = outcome.body && typeof outcome.body === 'object' && !Array.isArray(outcome.body) ? { sources, ...(outcome.body as Json) } : outcome.body;
    return { ...outcome, body, sources };
  }
  if (outcome.kind === 'chunks') return { kind: 'chunks', chunks: withSources(sources, outcome.chunks), sources };
  return { ...outcome, sources };
}

/**
 * A non-streamed OpenAI reply, parsed only when a step reads `body`. Most replies go to the client as
 * they came, and parsing one to serialise it again cost about as much as the rest of the relay. A
 * spread of the outcome reads `body` before `text`, so the copy carries no stale text.
 */
function relayedJson(status: number, raw: string): CompletionOutcome {
  let text: string | undefined = raw;
  let body: unknown;
  return {
    kind: 'json',
    status,
    get body() {
      if (text !== undefined) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new ApiError(502, 'The upstream server sent a reply that is not valid JSON');
        }
        text = undefined;
      }
      return body;
    },
    get text() {
      return text;
    },
  };
}

/** The AbortSignal of a call, for a step that needs a real one (made now if the route gave `abort`). */
export function completionSignal(opts: CompletionOptions): AbortSignal | undefined {
  return opts.signal ?? opts.abort?.signal;
}

/** What an upstream call watches: `abort` as it is (no AbortSignal made for it), else `signal`. */
const stopOf = (opts: CompletionOptions): AbortLike | undefined => opts.abort ?? opts.signal;

export interface CompletionOptions {
  /**
   * Stops the work when the caller goes away. A route passes `clientAbort(request, reply)` (llm/
   * client-abort.ts): the upstream call watches it as it is, and only a step that needs a real
   * AbortSignal (web search, tools) reads its `signal`, made then.
   */
  abort?: AbortLike & { readonly signal: AbortSignal };
  /** The same for callers that hold an AbortSignal already (background tasks). */
  signal?: AbortSignal;
  /**
   * Internal callers only (the original's bypass_filter): skip the model access rule, e.g. RAG embedding
   * with the admin-chosen embedding model on behalf of a user. Presets still apply.
   */
  bypassAccess?: boolean;
  /**
   * A follow-up model call of the tools step's loop (modules/tools): the tools step does not run again,
   * and the access rule and preset already ran on the first round (the request names the base model now).
   */
  toolRound?: boolean;
  /** Socket mode: status events of the steps before the reply (web search), as they happen. */
  onEvent?: (event: Json) => void;
}



/** An OpenAI upstream's SSE as chunk objects (`[DONE]` dropped; malformed events skipped). */
async function* parseSse(res: UpstreamResponse): AsyncGenerator<Json> {
  for await (const data of sseData(res.body)) {
    if (data === '[DONE]') return;
    try {
      yield JSON.parse(data) as Json;
    } catch {
      /* not JSON: nothing a chunk consumer can use */
    }
  }
}

/**
 * The Ollama server for a resolved model: random among those holding it (the original's load
 * balancing). Passing it on spares OllamaService a second model-list lookup per request.
 */
function pickServer(model: ModelItem): number | undefined {
  const urls = model.urls ?? [];
  return urls.length ? urls[Math.floor(Math.random() * urls.length)] : undefined;
}

export class CompletionsService {
  readonly models: ModelsService;
  readonly ctx: AppContext;

  readonly #availability: ModelAvailability;

  constructor(ctx: AppContext) {
    this.models = ModelsService.for(ctx);
    this.ctx = ctx;
    this.#availability = ModelAvailability.for(ctx);
  }

  static for(ctx: AppContext): CompletionsService {
    return perContext(ctx, CompletionsService);
  }

  /** The model for `id`, or a 400: "Model not found", saying why when no model is available at all. */
  async model(id: string, user: UserModel): Promise<ModelItem> {
    const model = await this.models.resolve(id);
    if (model) return model;
    throw await this.#notFound(user);
  }

  /** "Model not found"; with no model at all the cause is a connection, not the name: say which and what to try. */
  async #notFound(user: UserModel): Promise<ApiError> {
    if ((await this.models.list()).length === 0) {
      const why = await this.#availability.explain(user.role === 'admin');
      return new ApiError(400, `${ERROR_MESSAGES.MODEL_NOT_FOUND_SHORT}. ${why.message}`);
    }
    return new ApiError(400, ERROR_MESSAGES.MODEL_NOT_FOUND_SHORT);
  }

  /**
   * What must fail before a background task starts: the access rule (400 "Model not found") and an
   * unknown model, a preset's base model included. Gives the model record's params (for the task's
   * delta chunk size).
   */
  async ensureUsable(modelId: string, user: UserModel, chatId?: string | null, request?: ChatCompletionRequest): Promise<Record<string, unknown>> {
    await this.#checkTemporary(user, chatId);
    if (request && wantsWebSearch(request)) await assertWebSearchPermission(this.ctx, user);
    const access = await this.#access(user, modelId, {});
    const record = access.record(modelId);
    await this.model(upstreamModelId(modelId, record), user);
    return record?.params ?? {};
  }

  /** The access view for a model: the rule enforced unless an internal caller bypasses it. */
  async #access(user: UserModel, modelId: string, opts: CompletionOptions): Promise<ModelAccess> {
    if (opts.bypassAccess) return ModelAccess.load(this.ctx, user);
    try {
      return await authorizeModelUse(this.ctx, user, modelId, DENY_CHAT);
    } catch (err) {
      // A refusal reads as "Model not found"; when nothing is available at all, say why.
      if (err instanceof ApiError && err.statusCode === 400) throw await this.#notFound(user);
      throw err;
    }
  }

  /** A temporary chat (id `local:...`, never saved) needs the `chat.temporary` permission. */
  async #checkTemporary(user: UserModel, chatId: unknown): Promise<void> {
    if (typeof chatId === 'string' && chatId.startsWith('local:')) await assertPermission(this.ctx, user, 'chat.temporary', { status: 403, detail: ERROR_MESSAGES.ACCESS_PROHIBITED });
  }

  async start(original: ChatCompletionRequest, user: UserModel, opts: CompletionOptions = {}): Promise<CompletionOutcome> {
    let request = original;
    let sources: Source[] = [];
    // The first round only (a tool loop's later rounds call again with `toolRound`, on the base model).
    if (!opts.toolRound) {
      await this.#checkTemporary(user, request.chat_id);
      // Workspace step: the model access rule, then a preset runs on its base model with its settings.
      const access = await this.#access(user, request.model, opts);
      request = applyPresetToChatRequest(request, access.record(request.model), user);
      const model = await this.model(request.model, user); // unknown model: 400 before any retrieval work
      // Web search step (features.web_search): adds a `web_search` item to `files` for the next step.
      // (Its deps hold the AbortSignal, made only for a chat that asks for a web search.)
      if (wantsWebSearch(request)) {
        request = await webSearchStep(
          { ctx: this.ctx, complete: (messages, signal) => this.#taskText(model, messages, user, signal), emit: opts.onEvent, signal: completionSignal(opts) },
          request,
          user,
        );
      }
      // Files/RAG step: retrieved passages into the prompt, `sources` back to the client. Once per reply,
      // so every round of a tool loop sees the same context.
      ({ request, sources } = await chatFilesStep(this.ctx, user, request));
      // Image generation step (features.image_generation): the image first, the model then told of it.
      let files: Json[];
      ({ request, files } = await chatImageStep(this.ctx, user, request, async (task) => {
        // The image prompt task: the same model, none of the chat's steps, the JSON answer only.
        const out = await this.#upstream(model, task, user, { abort: opts.abort, signal: opts.signal });
        return out.kind === 'json' ? out.body : null;
      }));
      const withTools = await toolsStep(this, request, user, opts); // tools step: the whole reply as a tool loop
      if (withTools) return withFilesOutcome(withSourcesOutcome(withTools, sources), files);
      return withFilesOutcome(withSourcesOutcome(await this.#upstream(model, request, user, opts), sources), files);
    }
    return this.#upstream(await this.model(request.model, user), request, user, opts);
  }

  async #upstream(model: ModelItem, request: ChatCompletionRequest, user: UserModel, opts: CompletionOptions): Promise<CompletionOutcome> {
    const chatId = typeof request.chat_id === 'string' ? request.chat_id : undefined;
    const stream = request.stream === true;
    const base = stripOpenWebUIFields(request as Json);

    if (model.owned_by === 'ollama') {
      const payload = openaiChatToOllama(applyParams(base, request.params, 'ollama')) as unknown as Json & { model: string };
      let res: UpstreamResponse;
      try {
        ({ response: res } = await this.models.ollama.chat({ ...payload, model: model.id, metadata: { chat_id: chatId } }, { signal: stopOf(opts), user, urlIdx: pickServer(model) }));
      } catch (err) {
        throw ollamaException(err, 'stream');
      }
      if (!res.ok) throw await ollamaResponseError(res, 'stream');
      if (stream) return { kind: 'chunks', chunks: new OllamaChunks(res) };
      return { kind: 'json', status: 200, body: ollamaChatToOpenai((await res.json()) as Json) };
    }

    const payload = applyParams(base, request.params, 'openai') as Json & { model: string };
    let res: UpstreamResponse;
    try {
      ({ response: res } = await this.models.openai.chat(payload, { signal: stopOf(opts), user, chatId }));
    } catch (err) {
      throw openaiException(err);
    }
    if (!res.ok) throw await openaiResponseError(res);
    if ((res.headers['content-type'] ?? '').includes('text/event-stream')) return { kind: 'passthrough', response: res };
    return relayedJson(res.status, await res.jsonText());
  }

  /** A task model call (query generation): one non-streamed completion, its text. */
  async #taskText(model: ModelItem, messages: ChatCompletionRequest['messages'], user: UserModel, signal?: AbortSignal): Promise<string> {
    // The task model rule (TASK_MODEL / TASK_MODEL_EXTERNAL, else the chat's model) of modules/tasks;
    // imported when used, as that module builds on this one.
    const { TaskModelService } = await import('../tasks/task-model.js');
    const task = await TaskModelService.for(this.ctx).taskModel(model);
    const outcome = await this.start({ model: task.id, messages, stream: false, max_tokens: 1000 }, user, { signal, toolRound: true });
    if (outcome.kind !== 'json') return '';
    const body = outcome.body as { choices?: { message?: { content?: unknown } }[] } | null;
    const content = body?.choices?.[0]?.message?.content;
    return typeof content === 'string' ? content : '';
  }

  async *chunks(request: ChatCompletionRequest, user: UserModel, opts: CompletionOptions = {}): AsyncGenerator<Json> {
    // Status events of the steps before the reply are yielded as they happen, while start() runs.
    const pending: Json[] = [];
    let wake: (() => void) | null = null;
    let settled = false;
    const started = this.start({ ...request, stream: true }, user, {
      ...opts,
      onEvent: opts.toolRound ? undefined : (event) => {
        pending.push(event);
        wake?.();
      },
    });
    void started.then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      settled = true;
      wake?.();
    });
    for (;;) {
      while (pending.length) yield { event: pending.shift()! };
      if (settled) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
    const outcome = await started;
    if (outcome.kind === 'chunks') yield* outcome.chunks;
    else if (outcome.kind === 'passthrough') {
      if (outcome.files?.length) yield { files: outcome.files };
      if (outcome.sources?.length) yield { sources: outcome.sources };
      yield* guarded(parseSse(outcome.response), outcome.response);
    } else yield outcome.body as Json; // an upstream that ignored stream:true; hand over what it gave
  }

  async embeddings(request: EmbeddingsRequest, user: UserModel, opts: CompletionOptions = {}): Promise<{ status: number; body: unknown }> {
    const access = await this.#access(user, request.model, opts);
    request = { ...request, model: upstreamModelId(request.model, access.record(request.model)) };
    const model = await this.model(request.model, user);
    if (model.owned_by === 'ollama') {
      let res: UpstreamResponse;
      try {
        ({ response: res } = await this.models.ollama.embed({ ...openaiEmbeddingsToOllama(request), model: model.id }, { signal: stopOf(opts), user, urlIdx: pickServer(model) }));
      } catch (err) {
        throw ollamaException(err, 'sync');
      }
      if (!res.ok) throw await ollamaResponseError(res, 'sync');
      return { status: 200, body: ollamaEmbeddingsToOpenai((await res.json()) as Json, request.model, request.encoding_format) };
    }
    let res: UpstreamResponse;
    try {
      ({ response: res } = await this.models.openai.embeddings(request as Json & { model: string }, { signal: stopOf(opts), user }));
    } catch (err) {
      throw openaiException(err);
    }
    if (!res.ok) throw await openaiResponseError(res);
    return { status: res.status, body: await res.json() };
  }
}

/**
 * OpenAIService — the rules of talking to OpenAI-compatible connections. One per app context:
 * `OpenAIService.for(ctx)` (used by /openai/*, /api/models, /api/chat/completions, /api/embeddings).
 *
 * - `listModels({ refresh? })`: merged list of every enabled connection (§6.5), cached MODELS_CACHE_TTL
 *   seconds and dropped when an admin changes the connections. Empty when ENABLE_OPENAI_API is off.
 * - `resolveModel(id)`: the entry (with `urlIdx`) or null; one refresh on a miss.
 * - `chat(body, opts)`: forwards a chat body (Open WebUI fields already removed) to the model's
 *   connection with its key (the caller's own token never leaves us); returns the upstream response
 *   whatever its status. `embeddings(body, opts)` likewise. Map failures with ./openai.errors.ts.
 *
 * Access control: no per-model access records exist in this build, so every verified user sees and
 * uses every model (as with BYPASS_MODEL_ACCESS_CONTROL=true in the original).
 */
import type { UserModel } from '@owui/contracts';
import { perContext, type AppContext } from '../../context.js';
import { ModelListCache } from '../../llm/model-list-cache.js';
import { derived } from '../../config/derived.js';
import { userInfoHeaders } from '../../llm/user-info-headers.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { upstreamsFor, type AbortLike, type UpstreamKind, type UpstreamResponse, type Upstreams } from '../../llm/upstreams.js';
import { isOpenAIHost, readConnections, stripPrefix, target, type OpenAIConnection } from './openai.connections.js';
import { fetchMergedModels, type OpenAIModel } from './openai.models.js';

export interface OpenAICallOptions {
  signal?: AbortLike;
  user?: UserModel | null;
  chatId?: string;
}

export interface OpenAIRouted {
  response: UpstreamResponse;
  conn: OpenAIConnection;
  model: string;
}

const CONNECTION_KEYS = new Set(['ENABLE_OPENAI_API', 'OPENAI_API_BASE_URLS', 'OPENAI_API_KEYS', 'OPENAI_API_CONFIGS']);

type Body = Record<string, unknown>;

/** o1/o3/o4 reasoning models take `max_completion_tokens` and a `developer` (not `system`) message. */
function isReasoningModel(model: string): boolean {
  const m = model.toLowerCase().split('/').pop() ?? '';
  return /^o[134](\b|-|$)/.test(m);
}

export function prepareChatPayload(body: Body, model: string, conn: OpenAIConnection): Body {
  // A spread and a delete: a rest pattern that leaves a key out takes V8's slow copy.
  const payload: Body = { ...body, model };
  if (Object.hasOwn(payload, 'metadata')) delete payload.metadata;
  if (isOpenAIHost(conn) && isReasoningModel(model)) {
    if (payload.max_tokens !== undefined) {
      payload.max_completion_tokens = payload.max_tokens;
      delete payload.max_tokens;
    }
    const messages = Array.isArray(payload.messages) ? [...(payload.messages as Body[])] : [];
    if (messages[0]?.role === 'system') {
      const legacy = /^o1-(mini|preview)/.test(model);
      messages[0] = { ...messages[0], role: legacy ? 'user' : 'developer' };
      payload.messages = messages;
    }
  } else if (!isOpenAIHost(conn) && payload.max_completion_tokens !== undefined && payload.max_tokens === undefined) {
    // Most OpenAI-compatible servers only know the older name.
    payload.max_tokens = payload.max_completion_tokens;
    delete payload.max_completion_tokens;
  }
  return payload;
}

export class OpenAIService {
  readonly upstreams: Upstreams;
  readonly #models: ModelListCache<OpenAIModel>;
  readonly #connections = derived<OpenAIConnection[]>();

  constructor(private readonly ctx: AppContext) {
    this.upstreams = upstreamsFor(ctx);
    this.#models = new ModelListCache(ctx.config.models.cacheTtlSeconds, () => fetchMergedModels(this.upstreams, this.connections(), this.ctx.log));
    ctx.settings.onChange((keys) => {
      if (keys.some((k) => CONNECTION_KEYS.has(k))) this.invalidate();
    });
  }

  static for(ctx: AppContext): OpenAIService {
    return perContext(ctx, OpenAIService);
  }

  enabled(): boolean {
    return this.ctx.settings.get('ENABLE_OPENAI_API');
  }

  /** The configured connections, built once per change of the settings they come from (read-only). */
  connections(): OpenAIConnection[] {
    const s = this.ctx.settings;
    return this.#connections([s.get('OPENAI_API_BASE_URLS'), s.get('OPENAI_API_KEYS'), s.get('OPENAI_API_CONFIGS')], () => readConnections(s));
  }

  connection(idx: number): OpenAIConnection {
    const conn = this.connections()[idx];
    if (!conn) throw new ApiError(404, ERROR_MESSAGES.OPENAI_NOT_FOUND);
    return conn;
  }

  invalidate(): void {
    this.#models.invalidate();
  }

  async listModels(opts: { refresh?: boolean } = {}): Promise<OpenAIModel[]> {
    if (!this.enabled()) return [];
    return this.#models.get(opts.refresh);
  }

  /**
   * Routing reads the last fetched list even past its TTL (like the original's in-memory model map), so
   * a chat request does not pay for a list round; a miss refreshes once. A connection change empties it.
   */
  async resolveModel(id: string): Promise<OpenAIModel | null> {
    const find = (list: OpenAIModel[] | undefined) => list?.find((m) => m.id === id) ?? null;
    if (!this.enabled()) return null;
    return find(this.#models.last()) ?? find(await this.listModels()) ?? find(await this.listModels({ refresh: true }));
  }

  /** POST a JSON body to a path of a connection, with its key and (if enabled) user-info headers. */
  send(conn: OpenAIConnection, path: string, json: unknown, opts: OpenAICallOptions & { model?: string; kind?: UpstreamKind } = {}): Promise<UpstreamResponse> {
    const t = target(conn, path, opts.model);
    const forward = this.ctx.config.models.forwardUserInfoHeaders;
    return this.upstreams.request({
      url: t.url,
      key: t.key,
      headers: forward ? { ...t.headers, ...userInfoHeaders(forward, opts.user, opts.chatId) } : t.headers,
      json,
      kind: opts.kind ?? 'generation',
      signal: opts.signal,
    });
  }

  async #route(modelId: string): Promise<{ conn: OpenAIConnection; model: string }> {
    const entry = await this.resolveModel(modelId);
    if (!entry) throw new ApiError(404, ERROR_MESSAGES.MODEL_NOT_FOUND_SHORT);
    const conn = this.connection(entry.urlIdx);
    return { conn, model: stripPrefix(entry.id, conn) };
  }

  async chat(body: Body & { model: string }, opts: OpenAICallOptions = {}): Promise<OpenAIRouted> {
    const { conn, model } = await this.#route(body.model);
    const response = await this.send(conn, '/chat/completions', prepareChatPayload(body, model, conn), { ...opts, model });
    return { response, conn, model };
  }

  async embeddings(body: Body & { model: string }, opts: OpenAICallOptions = {}): Promise<OpenAIRouted> {
    const { conn, model } = await this.#route(body.model);
    const response = await this.send(conn, '/embeddings', { ...body, model }, { ...opts, model });
    return { response, conn, model };
  }

}

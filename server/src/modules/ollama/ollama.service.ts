/**
 * OllamaService — the rules of talking to many Ollama servers. One instance per app context:
 * `OllamaService.for(ctx)` (also used by /api/models and /api/chat/completions).
 *
 * - `enabled()`: ENABLE_OLLAMA_API.  `connections()`: configured servers (see ollama.connections.ts).
 * - `listModels({ refresh? })`: merged model list (§6.4): each entry is Ollama's own `/api/tags` entry with
 *   `model`/`name` carrying the connection's `prefix_id`, plus `urls` (server indexes holding it),
 *   `connection_type`, `tags`, `expires_at` (if loaded). Servers are queried in parallel with the
 *   model-list timeout; failing ones are logged and left out. Cached for MODELS_CACHE_TTL seconds and
 *   dropped whenever an admin changes the Ollama connections. Empty when the API is disabled.
 * - `resolveModel(name)`: the merged entry for `name` (`:latest` appended when untagged), from the last
 *   fetched list even past its TTL, refreshing on a miss; null when no server has it.
 * - `route(name, pick, urlIdx?)`: the server to use and the upstream model name (prefix stripped).
 *   `pick` is 'random' (chat/generate/embed/show) or 'first' (push/copy/delete). Throws ApiError 400
 *   "Model '<name>' was not found" when nobody holds it (unless `urlIdx` is given).
 * - `chat(body, opts)` / `embed(body, opts)` / `send(conn, path, opts)`: forward to `/api/chat`,
 *   `/api/embed` or any path. They return the upstream response whatever its status (`status`,
 *   `headers`, `body` as a Node Readable — iterate it for NDJSON chunks — plus `json()`/`text()`); map a
 *   non-2xx with `errorFromResponse(res, 'stream' | 'sync')` and a thrown `UpstreamError` with
 *   `errorFromException(err, flavor)` from ./ollama.errors.ts. Pass `opts.signal` (e.g.
 *   `clientAbortSignal(request, reply)` from llm/stream-relay.ts) so a client disconnect stops the model.
 *
 * Access control: this build has no per-model access records (no `model` table), so it behaves as if
 * BYPASS_MODEL_ACCESS_CONTROL were true: every verified user sees and uses every model.
 */
import type { OllamaModel, UserModel } from '@owui/contracts';
import { perContext, type AppContext } from '../../context.js';
import { ModelListCache } from '../../llm/model-list-cache.js';
import { derived } from '../../config/derived.js';
import { userInfoHeaders } from '../../llm/user-info-headers.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { upstreamsFor, type AbortLike, type UpstreamKind, type UpstreamResponse, type Upstreams } from '../../llm/upstreams.js';
import { readConnections, stripPrefix, withTag, type OllamaConnection } from './ollama.connections.js';
import { fetchMergedModels, fetchServerList, mergeLists } from './ollama.models.js';

export interface OllamaSendOptions {
  method?: string;
  json?: unknown;
  kind?: UpstreamKind;
  signal?: AbortLike;
  /** Adds X-OpenWebUI-User-* headers when ENABLE_FORWARD_USER_INFO_HEADERS is on. */
  user?: UserModel | null;
  chatId?: string;
}

export interface OllamaCallOptions {
  urlIdx?: number;
  signal?: AbortLike;
  user?: UserModel | null;
}

export interface OllamaRouted {
  response: UpstreamResponse;
  urlIdx: number;
  /** The model name as the upstream knows it (prefix stripped, tag added). */
  model: string;
}

export type ServerPick = 'random' | 'first';

const CONNECTION_KEYS = new Set(['ENABLE_OLLAMA_API', 'OLLAMA_BASE_URLS', 'OLLAMA_API_CONFIGS']);

export class OllamaService {
  readonly upstreams: Upstreams;
  readonly #models: ModelListCache<OllamaModel>;
  readonly #connections = derived<OllamaConnection[]>();

  constructor(private readonly ctx: AppContext) {
    this.upstreams = upstreamsFor(ctx);
    this.#models = new ModelListCache(ctx.config.models.cacheTtlSeconds, () => fetchMergedModels(this.upstreams, this.connections(), this.ctx.log));
    ctx.settings.onChange((keys) => {
      if (keys.some((k) => CONNECTION_KEYS.has(k))) this.invalidate();
    });
  }

  static for(ctx: AppContext): OllamaService {
    return perContext(ctx, OllamaService);
  }

  enabled(): boolean {
    return this.ctx.settings.get('ENABLE_OLLAMA_API');
  }

  /** The configured servers, built once per change of the settings they come from (read-only). */
  connections(): OllamaConnection[] {
    const s = this.ctx.settings;
    return this.#connections([s.get('OLLAMA_BASE_URLS'), s.get('OLLAMA_API_CONFIGS')], () => readConnections(s));
  }

  connection(idx: number): OllamaConnection {
    const conn = this.connections()[idx];
    if (!conn) throw new ApiError(400, `Ollama: server index ${idx} is not configured`);
    return conn;
  }

  invalidate(): void {
    this.#models.invalidate();
  }

  async listModels(opts: { refresh?: boolean } = {}): Promise<OllamaModel[]> {
    if (!this.enabled()) return [];
    return this.#models.get(opts.refresh);
  }

  async resolveModel(name: string): Promise<OllamaModel | null> {
    const id = withTag(name);
    const find = (list: OllamaModel[] | undefined) => list?.find((m) => m.model === id) ?? list?.find((m) => m.model === name) ?? null;
    // Like the original's in-memory model map, the last list answers even past MODELS_CACHE_TTL so a
    // chat costs no list round trip; a miss refreshes (a model pulled a moment ago is found).
    return find(this.#models.last()) ?? find(await this.listModels()) ?? find(await this.listModels({ refresh: true }));
  }

  async route(name: string, pick: ServerPick, urlIdx?: number): Promise<{ conn: OllamaConnection; model: string }> {
    if (!this.enabled()) throw new ApiError(503, ERROR_MESSAGES.OLLAMA_API_DISABLED);
    if (!name) throw new ApiError(400, ERROR_MESSAGES.MODEL_NOT_FOUND(''));
    const tagged = withTag(name);
    if (urlIdx !== undefined) {
      const conn = this.connection(urlIdx);
      return { conn, model: stripPrefix(tagged, conn) };
    }
    const entry = await this.resolveModel(name);
    if (!entry || !entry.urls.length) throw new ApiError(400, ERROR_MESSAGES.MODEL_NOT_FOUND(tagged));
    const idx = pick === 'first' ? entry.urls[0]! : entry.urls[Math.floor(Math.random() * entry.urls.length)]!;
    const conn = this.connection(idx);
    return { conn, model: stripPrefix(entry.model, conn) };
  }

  send(conn: OllamaConnection, path: string, opts: OllamaSendOptions = {}): Promise<UpstreamResponse> {
    return this.upstreams.request({
      url: conn.url + path,
      method: opts.method,
      key: conn.key,
      json: opts.json,
      kind: opts.kind ?? 'generation',
      signal: opts.signal,
      headers: userInfoHeaders(this.ctx.config.models.forwardUserInfoHeaders, opts.user, opts.chatId),
    });
  }

  /** Routes by model and forwards a body whose `model` is replaced by the upstream name. */
  async forwardByModel(
    path: string,
    body: Record<string, unknown> & { model: string },
    pick: ServerPick,
    opts: OllamaCallOptions & { method?: string; kind?: UpstreamKind; chatId?: string } = {},
  ): Promise<OllamaRouted> {
    const { conn, model } = await this.route(body.model, pick, opts.urlIdx);
    const response = await this.send(conn, path, { ...opts, json: { ...body, model } });
    return { response, urlIdx: conn.idx, model };
  }

  /** POST /api/chat for a model; `metadata` is ours, never forwarded. */
  chat(body: Record<string, unknown> & { model: string }, opts: OllamaCallOptions = {}): Promise<OllamaRouted> {
    const { metadata, ...payload } = body;
    const chatId = (metadata as { chat_id?: unknown } | undefined)?.chat_id;
    return this.forwardByModel('/api/chat', payload as typeof body, 'random', {
      ...opts,
      chatId: typeof chatId === 'string' ? chatId : undefined,
    });
  }

  /** POST /api/embed for a model. */
  embed(body: Record<string, unknown> & { model: string }, opts: OllamaCallOptions = {}): Promise<OllamaRouted> {
    return this.forwardByModel('/api/embed', body, 'random', opts);
  }

  /** `/api/ps` of every enabled server, merged like the tags list. */
  async loadedModels(): Promise<OllamaModel[]> {
    const conns = this.connections().filter((c) => c.enable);
    const lists = await Promise.all(conns.map(async (conn) => ({ conn, models: await fetchServerList(this.upstreams, conn, '/api/ps', this.ctx.log) })));
    return mergeLists(lists);
  }

  /** The lowest `/api/version` among enabled servers (what every feature can rely on); null if none answer. */
  async lowestVersion(): Promise<string | null> {
    const conns = this.connections().filter((c) => c.enable);
    const versions = await Promise.all(
      conns.map(async (conn) => {
        try {
          const res = await this.send(conn, '/api/version', { kind: 'list' });
          if (!res.ok) return void (await res.dump());
          const v = ((await res.json()) as { version?: unknown })?.version;
          return typeof v === 'string' ? v : undefined;
        } catch (err) {
          this.ctx.log.warn({ url: conn.url, reason: err instanceof Error ? err.message : String(err) }, `Ollama server ${conn.idx} unreachable for /api/version`);
          return undefined;
        }
      }),
    );
    const found = versions.filter((v): v is string => !!v);
    if (!found.length) return null;
    return found.reduce((lo, v) => (compareVersions(v, lo) < 0 ? v : lo));
  }

  /** Asks every server holding the model to drop it from memory (keep_alive 0). */
  async unload(entry: OllamaModel): Promise<void> {
    await Promise.all(
      entry.urls.map(async (idx) => {
        const conn = this.connection(idx);
        const res = await this.send(conn, '/api/generate', { json: { model: stripPrefix(entry.model, conn), keep_alive: 0, prompt: '' }, kind: 'list' }).catch(() => null);
        await res?.dump();
      }),
    );
  }

}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[^0-9]+/).filter(Boolean).map(Number);
  const pb = b.split(/[^0-9]+/).filter(Boolean).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

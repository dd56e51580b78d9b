/**
 * ModelsService — the one model table behind `/api/models` and the routing of `/api/chat/completions`
 * and `/api/embeddings`: every model of every enabled Ollama server and OpenAI-compatible connection,
 * in the original's shape, sorted by MODEL_ORDER_LIST then name. `ModelsService.for(ctx)`.
 *
 * The per-connection lists are cached by OllamaService / OpenAIService (MODELS_CACHE_TTL, dropped on a
 * connection change); this service only merges, so it is cheap to call per request.
 *
 * Access control: this build has no per-model access records (no custom models, no groups), so every
 * verified user sees and may use every model, as in the original with BYPASS_MODEL_ACCESS_CONTROL=true.
 */
import type { ModelItem, OllamaModel } from '@owui/contracts';
import { perContext, type AppContext } from '../../context.js';
import { OllamaService } from '../ollama/ollama.service.js';
import { OpenAIService } from '../openai/openai.service.js';
import { derived } from '../../config/derived.js';

const CONNECTION_KEYS = new Set([
  'ENABLE_OLLAMA_API',
  'OLLAMA_BASE_URLS',
  'OLLAMA_API_CONFIGS',
  'ENABLE_OPENAI_API',
  'OPENAI_API_BASE_URLS',
  'OPENAI_API_KEYS',
  'OPENAI_API_CONFIGS',
]);

/** Tags arrive as strings or `{name}` objects depending on who wrote the config; clients expect objects. */
export function normalizeTags(tags: unknown): { name: string }[] {
  if (!Array.isArray(tags)) return [];
  return tags
    .map((t) => (typeof t === 'string' ? { name: t } : t && typeof t === 'object' && typeof (t as { name?: unknown }).name === 'string' ? { name: (t as { name: string }).name } : null))
    .filter((t): t is { name: string } => t !== null);
}

export function ollamaToItem(m: OllamaModel, now: number): ModelItem {
  return {
    id: m.model,
    name: m.name,
    object: 'model',
    created: now,
    owned_by: 'ollama',
    ollama: m,
    connection_type: m.connection_type ?? 'local',
    urls: m.urls,
    tags: normalizeTags(m.tags),
  };
}

// What String#localeCompare uses without arguments, made once (a list of a few hundred models sorted
// per request compared through localeCompare and lower-cased both names in every comparison). Made at
// the first sort, not at load: a collator brings ICU's collation data (~3 MB) into memory.
let collator: Intl.Collator | undefined;

/** MODEL_ORDER_LIST first (in its order), then everything else by name, case-insensitively. */
export function sortModels(models: ModelItem[], order: string[] | null): ModelItem[] {
  const rank = new Map((order ?? []).map((id, i) => [id, i]));
  const keyed = models.map((m) => ({ m, rank: rank.get(m.id) ?? Number.POSITIVE_INFINITY, name: (m.name ?? '').toLowerCase() }));
  const c = (collator ??= new Intl.Collator());
  keyed.sort((a, b) => a.rank - b.rank || c.compare(a.name, b.name) || c.compare(a.m.id, b.m.id));
  return keyed.map((k) => k.m);
}

export class ModelsService {
  readonly ollama: OllamaService;
  readonly openai: OpenAIService;

  constructor(private readonly ctx: AppContext) {
    this.ollama = OllamaService.for(ctx);
    this.openai = OpenAIService.for(ctx);
    ctx.settings.onChange((keys) => {
      if (keys.some((k) => CONNECTION_KEYS.has(k))) {
        this.#last = null;
        this.#generation += 1;
      }
    });
  }

  static for(ctx: AppContext): ModelsService {
    return perContext(ctx, ModelsService);
  }

  #last: { models: ModelItem[]; generation: number } | null = null;
  /** The last merge (config/derived.ts; read-only: callers share it). */
  readonly #merged = derived<ModelItem[]>();
  #generation = 0;

  async list(opts: { refresh?: boolean } = {}): Promise<ModelItem[]> {
    const generation = this.#generation;
    const [ollama, openai] = await Promise.all([this.ollama.listModels(opts), this.openai.listModels(opts)]);
    const order = this.ctx.settings.get('MODEL_ORDER_LIST');
    // The connections' lists are cached objects: while they and the order are the same, so is the merge.
    const models = this.#merged([ollama, openai, order], () => {
      const now = Math.floor(Date.now() / 1000);
      const byId = new Map<string, ModelItem>();
      for (const m of ollama) byId.set(m.model, ollamaToItem(m, now));
      // An OpenAI model with the same id as an Ollama one replaces it, as in the original's model map.
      for (const m of openai) byId.set(m.id, { ...m, object: 'model', created: Number(m.created) || now, tags: normalizeTags(m.tags) } as ModelItem);
      return sortModels([...byId.values()], order);
    });
    if (generation === this.#generation) this.#last = { models, generation };
    return models;
  }

  /**
   * The entry for an id. Like the original's in-memory model table, the last merged list answers even
   * past MODELS_CACHE_TTL, so routing a chat costs no list round trip; a miss refreshes once (a model
   * pulled a moment ago is found). Any change to the connections or the API switches empties it.
   */
  async resolve(id: string): Promise<ModelItem | null> {
    // Ollama's implicit tag: `llama3` names `llama3:latest` (an exact id still wins, e.g. OpenAI's `gpt-4o`).
    const latest = id.includes(':') ? null : `${id}:latest`;
    const find = (list: ModelItem[] | undefined) => list?.find((m) => m.id === id) ?? list?.find((m) => m.id === latest) ?? null;
    return find(this.#last?.models) ?? find(await this.list()) ?? find(await this.list({ refresh: true }));
  }
}

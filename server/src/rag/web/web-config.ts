import type { z } from 'zod';
import type { WebConfigForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import type { PersistentValues } from '../../config/persistent-keys.js';
import { ApiError } from '../../errors/api-error.js';
import { LOADER_ENGINES } from './loader.js';
import { PROVIDERS } from './providers/index.js';

/** The `web` keys of `/api/v1/retrieval/config` this server implements, under the original's names. */
export const WEB_CONFIG_KEYS = [
  'ENABLE_WEB_SEARCH', 'WEB_SEARCH_ENGINE', 'WEB_SEARCH_RESULT_COUNT', 'WEB_SEARCH_CONCURRENT_REQUESTS', 'WEB_LOADER_CONCURRENT_REQUESTS',
  'WEB_SEARCH_DOMAIN_FILTER_LIST', 'BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL', 'BYPASS_WEB_SEARCH_WEB_LOADER', 'SEARXNG_QUERY_URL',
  'GOOGLE_PSE_API_KEY', 'GOOGLE_PSE_ENGINE_ID', 'BRAVE_SEARCH_API_KEY', 'KAGI_SEARCH_API_KEY', 'SERPER_API_KEY', 'TAVILY_API_KEY',
  'SERPAPI_API_KEY', 'SERPAPI_ENGINE', 'JINA_API_KEY', 'BING_SEARCH_V7_ENDPOINT', 'BING_SEARCH_V7_SUBSCRIPTION_KEY', 'EXA_API_KEY',
  'PERPLEXITY_API_KEY', 'PERPLEXITY_MODEL', 'PERPLEXITY_SEARCH_CONTEXT_USAGE', 'WEB_LOADER_ENGINE', 'ENABLE_WEB_LOADER_SSL_VERIFICATION',
] as const;

/** The engines an admin can pick (Admin > Settings > Web Search lists these). */
export const WEB_SEARCH_ENGINES = [...PROVIDERS.keys()];

export function webConfig(ctx: AppContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of WEB_CONFIG_KEYS) out[k] = ctx.settings.get(k);
  return out;
}

const isHttpUrl = (v: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};

/** Checks and stores the `web` section of `config/update`; a value this server cannot run is a 400. */
export function webConfigValues(form: z.infer<typeof WebConfigForm>): Partial<PersistentValues> {
  const values: Record<string, unknown> = {};
  for (const k of WEB_CONFIG_KEYS) {
    const v = form[k];
    if (v === undefined || v === null) continue;
    values[k] = typeof v === 'string' ? v.trim() : v;
  }
  const engine = values.WEB_SEARCH_ENGINE as string | undefined;
  if (engine && !PROVIDERS.has(engine)) throw new ApiError(400, `Web search engine '${engine}' is not supported. Supported: ${WEB_SEARCH_ENGINES.join(', ')}`);
  const loader = values.WEB_LOADER_ENGINE as string | undefined;
  if (loader !== undefined && !LOADER_ENGINES.has(loader)) throw new ApiError(400, `WEB_LOADER_ENGINE '${loader}' is not supported. Supported: safe_web`);
  for (const k of ['SEARXNG_QUERY_URL', 'BING_SEARCH_V7_ENDPOINT'] as const) {
    const v = values[k] as string | undefined;
    if (v && !isHttpUrl(v)) throw new ApiError(400, `${k} must be an http(s) URL`);
  }
  if (Array.isArray(values.WEB_SEARCH_DOMAIN_FILTER_LIST)) {
    values.WEB_SEARCH_DOMAIN_FILTER_LIST = (values.WEB_SEARCH_DOMAIN_FILTER_LIST as string[]).map((d) => d.trim()).filter(Boolean);
  }
  return values as Partial<PersistentValues>;
}

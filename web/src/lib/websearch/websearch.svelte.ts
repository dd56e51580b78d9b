import { http } from '$lib/api/client';
import { session } from '$lib/state/session.svelte';

/** The web part of `/api/v1/retrieval/config` (Admin > Settings > Web Search). */
export interface WebConfig {
  ENABLE_WEB_SEARCH: boolean;
  WEB_SEARCH_ENGINE: string;
  WEB_SEARCH_RESULT_COUNT: number;
  WEB_SEARCH_CONCURRENT_REQUESTS: number;
  WEB_LOADER_CONCURRENT_REQUESTS: number;
  WEB_SEARCH_DOMAIN_FILTER_LIST: string[];
  BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL: boolean;
  BYPASS_WEB_SEARCH_WEB_LOADER: boolean;
  ENABLE_WEB_LOADER_SSL_VERIFICATION: boolean;
  [key: string]: unknown;
}

export const webSearchApi = {
  config: async () => (await http.get<{ web: WebConfig }>('/api/v1/retrieval/config')).web,
  update: async (web: Partial<WebConfig>) => (await http.post<{ web: WebConfig }>('/api/v1/retrieval/config/update', { web })).web,
};

/** The engines the server speaks, and the settings each needs (the admin form shows these). */
export const ENGINES: { id: string; label: string; fields: string[] }[] = [
  { id: 'searxng', label: 'SearXNG', fields: ['SEARXNG_QUERY_URL'] },
  { id: 'tavily', label: 'Tavily', fields: ['TAVILY_API_KEY'] },
  { id: 'perplexity', label: 'Perplexity', fields: ['PERPLEXITY_API_KEY', 'PERPLEXITY_MODEL', 'PERPLEXITY_SEARCH_CONTEXT_USAGE'] },
  { id: 'serper', label: 'Serper', fields: ['SERPER_API_KEY'] },
  { id: 'serpapi', label: 'SerpApi', fields: ['SERPAPI_API_KEY', 'SERPAPI_ENGINE'] },
  { id: 'brave', label: 'Brave Search', fields: ['BRAVE_SEARCH_API_KEY'] },
  { id: 'google_pse', label: 'Google PSE', fields: ['GOOGLE_PSE_API_KEY', 'GOOGLE_PSE_ENGINE_ID'] },
  { id: 'jina', label: 'Jina', fields: ['JINA_API_KEY'] },
  { id: 'exa', label: 'Exa', fields: ['EXA_API_KEY'] },
  { id: 'kagi', label: 'Kagi', fields: ['KAGI_SEARCH_API_KEY'] },
  { id: 'bing', label: 'Bing', fields: ['BING_SEARCH_V7_ENDPOINT', 'BING_SEARCH_V7_SUBSCRIPTION_KEY'] },
];

/** The composer's web search switch; `features()` is what a completion request carries for it. */
class WebSearchState {
  on = $state(false);

  /** Shown when the admin turned web search on and the user holds `features.web_search`. */
  get available(): boolean {
    return session.config?.features?.enable_web_search === true && session.may('features.web_search', false);
  }

  toggle(): void {
    this.on = !this.on;
  }

  /** The request's `features` with `web_search` added when the switch is on. */
  features(base?: Record<string, boolean>): Record<string, boolean> | undefined {
    return this.on && this.available ? { ...(base ?? {}), web_search: true } : base;
  }
}

export const webSearch = new WebSearchState();

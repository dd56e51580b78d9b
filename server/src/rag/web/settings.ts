import type { AppContext } from '../../context.js';

/**
 * The web search settings in force now: the persistent ones (Admin > Settings > Web Search) read per
 * use, plus the env-only ones (base URLs, bounds, ENABLE_RAG_LOCAL_WEB_FETCH).
 */
export function webSettings(ctx: AppContext) {
  const s = ctx.settings;
  const c = ctx.config.webSearch;
  return {
    enable: s.get('ENABLE_WEB_SEARCH'),
    engine: s.get('WEB_SEARCH_ENGINE'),
    count: s.get('WEB_SEARCH_RESULT_COUNT'),
    concurrency: s.get('WEB_SEARCH_CONCURRENT_REQUESTS'),
    loaderConcurrency: s.get('WEB_LOADER_CONCURRENT_REQUESTS'),
    filterList: s.get('WEB_SEARCH_DOMAIN_FILTER_LIST').map((d) => d.trim()).filter(Boolean),
    bypassRetrieval: s.get('BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL'),
    bypassLoader: s.get('BYPASS_WEB_SEARCH_WEB_LOADER'),
    loaderEngine: s.get('WEB_LOADER_ENGINE'),
    verifyTls: s.get('ENABLE_WEB_LOADER_SSL_VERIFICATION'),
    searxngQueryUrl: s.get('SEARXNG_QUERY_URL'),
    googlePseApiKey: s.get('GOOGLE_PSE_API_KEY'),
    googlePseEngineId: s.get('GOOGLE_PSE_ENGINE_ID'),
    braveApiKey: s.get('BRAVE_SEARCH_API_KEY'),
    kagiApiKey: s.get('KAGI_SEARCH_API_KEY'),
    serperApiKey: s.get('SERPER_API_KEY'),
    tavilyApiKey: s.get('TAVILY_API_KEY'),
    serpapiApiKey: s.get('SERPAPI_API_KEY'),
    serpapiEngine: s.get('SERPAPI_ENGINE'),
    jinaApiKey: s.get('JINA_API_KEY'),
    bingEndpoint: s.get('BING_SEARCH_V7_ENDPOINT'),
    bingKey: s.get('BING_SEARCH_V7_SUBSCRIPTION_KEY'),
    exaApiKey: s.get('EXA_API_KEY'),
    perplexityApiKey: s.get('PERPLEXITY_API_KEY'),
    perplexityModel: s.get('PERPLEXITY_MODEL'),
    perplexitySearchContextUsage: s.get('PERPLEXITY_SEARCH_CONTEXT_USAGE'),
    locale: s.get('DEFAULT_LOCALE') || 'en-US',
    baseUrls: c.baseUrls,
    searchTimeoutMs: c.searchTimeoutSeconds * 1000,
    loader: {
      allowPrivate: c.allowLocalWebFetch,
      timeoutMs: c.loaderTimeoutSeconds * 1000,
      maxBytes: c.loaderMaxBytes,
      maxRedirects: c.loaderMaxRedirects,
    },
  };
}

export type WebSettings = ReturnType<typeof webSettings>;

import { ConfigError, bool as flag, int, text as str, type Env } from './env-parse.js';

/**
 * Environment for web search (issue 17). Names and defaults as Open WebUI 0.6.34's config.py; the ones
 * marked "ours" do not exist there: base-URL overrides for the hosted providers (so a company proxy, or
 * a test's fake, can sit in front) and the loader's bounds.
 */
function baseUrl(env: Env, name: string, fallback: string): string {
  const raw = str(env, name, fallback);
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ConfigError(name, 'Accepted: an http(s) URL.', raw);
  }
  return raw.replace(/\/+$/, '');
}

export function webSearchConfig(env: Env) {
  return {
    // Seeds of the persistent settings (rag.web.*), editable in Admin > Settings > Web Search.
    enable: flag(env, 'ENABLE_WEB_SEARCH', false),
    engine: str(env, 'WEB_SEARCH_ENGINE'),
    resultCount: int(env, 'WEB_SEARCH_RESULT_COUNT', 3, 1),
    concurrentRequests: int(env, 'WEB_SEARCH_CONCURRENT_REQUESTS', 10, 1),
    loaderConcurrentRequests: int(env, 'WEB_LOADER_CONCURRENT_REQUESTS', 10, 1),
    // The original seeds this list in code only; an env list (comma separated) is accepted here too.
    domainFilterList: str(env, 'WEB_SEARCH_DOMAIN_FILTER_LIST').split(',').map((d) => d.trim()).filter(Boolean),
    bypassEmbeddingAndRetrieval: flag(env, 'BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL', false),
    bypassWebLoader: flag(env, 'BYPASS_WEB_SEARCH_WEB_LOADER', false),
    loaderEngine: str(env, 'WEB_LOADER_ENGINE'),
    loaderSslVerification: flag(env, 'ENABLE_WEB_LOADER_SSL_VERIFICATION', true),
    searxngQueryUrl: str(env, 'SEARXNG_QUERY_URL'),
    googlePseApiKey: str(env, 'GOOGLE_PSE_API_KEY'),
    googlePseEngineId: str(env, 'GOOGLE_PSE_ENGINE_ID'),
    braveApiKey: str(env, 'BRAVE_SEARCH_API_KEY'),
    kagiApiKey: str(env, 'KAGI_SEARCH_API_KEY'),
    serperApiKey: str(env, 'SERPER_API_KEY'),
    tavilyApiKey: str(env, 'TAVILY_API_KEY'),
    serpapiApiKey: str(env, 'SERPAPI_API_KEY'),
    serpapiEngine: str(env, 'SERPAPI_ENGINE'),
    jinaApiKey: str(env, 'JINA_API_KEY'),
    bingEndpoint: str(env, 'BING_SEARCH_V7_ENDPOINT', 'https://api.bing.microsoft.com/v7.0/search'),
    bingKey: str(env, 'BING_SEARCH_V7_SUBSCRIPTION_KEY'),
    exaApiKey: str(env, 'EXA_API_KEY'),
    perplexityApiKey: str(env, 'PERPLEXITY_API_KEY'),
    perplexityModel: str(env, 'PERPLEXITY_MODEL', 'sonar'),
    perplexitySearchContextUsage: str(env, 'PERPLEXITY_SEARCH_CONTEXT_USAGE', 'medium'),
    // Task model settings the query generation reads (task.query.*).
    enableSearchQueryGeneration: flag(env, 'ENABLE_SEARCH_QUERY_GENERATION', true),
    queryGenerationPromptTemplate: env.QUERY_GENERATION_PROMPT_TEMPLATE ?? '',

    /** ENABLE_RAG_LOCAL_WEB_FETCH: result pages may be on private/loopback addresses (off by default). */
    allowLocalWebFetch: flag(env, 'ENABLE_RAG_LOCAL_WEB_FETCH', false),
    /** Ours: base URLs of the hosted providers (the path the original calls is appended). */
    baseUrls: {
      tavily: baseUrl(env, 'TAVILY_API_BASE_URL', 'https://api.tavily.com'),
      perplexity: baseUrl(env, 'PERPLEXITY_API_BASE_URL', 'https://api.perplexity.ai'),
      serper: baseUrl(env, 'SERPER_API_BASE_URL', 'https://google.serper.dev'),
      serpapi: baseUrl(env, 'SERPAPI_API_BASE_URL', 'https://serpapi.com'),
      brave: baseUrl(env, 'BRAVE_SEARCH_API_BASE_URL', 'https://api.search.brave.com'),
      googlePse: baseUrl(env, 'GOOGLE_PSE_API_BASE_URL', 'https://www.googleapis.com'),
      jina: baseUrl(env, 'JINA_SEARCH_API_BASE_URL', 'https://s.jina.ai'),
      exa: baseUrl(env, 'EXA_API_BASE_URL', 'https://api.exa.ai'),
      kagi: baseUrl(env, 'KAGI_SEARCH_API_BASE_URL', 'https://kagi.com'),
    },
    /** Ours: one provider call's time limit (seconds). */
    searchTimeoutSeconds: int(env, 'WEB_SEARCH_TIMEOUT', 15, 1),
    /** Ours: one page load's time limit (seconds), largest page accepted, redirects followed. */
    loaderTimeoutSeconds: int(env, 'WEB_LOADER_TIMEOUT', 15, 1),
    loaderMaxBytes: int(env, 'WEB_LOADER_MAX_BYTES', 5 * 1024 * 1024, 1024),
    loaderMaxRedirects: int(env, 'WEB_LOADER_MAX_REDIRECTS', 5, 0),
  };
}

export type WebSearchConfig = ReturnType<typeof webSearchConfig>;

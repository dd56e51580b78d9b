import { z } from 'zod';
import type { Config } from './env.js';

/**
 * Web search settings an admin edits under Admin > Settings > Web Search, with the original's env names
 * and stored paths (config.py), so a config exported from Open WebUI imports here. Spread into
 * PERSISTENT_KEYS.
 */
const w = (c: Config) => c.webSearch;
export const WEB_SEARCH_PERSISTENT_KEYS = {
  ENABLE_WEB_SEARCH: { path: 'rag.web.search.enable', schema: z.boolean(), seed: (c: Config) => w(c).enable },
  WEB_SEARCH_ENGINE: { path: 'rag.web.search.engine', schema: z.string(), seed: (c: Config) => w(c).engine },
  WEB_SEARCH_RESULT_COUNT: { path: 'rag.web.search.result_count', schema: z.number().int().min(1).max(100), seed: (c: Config) => w(c).resultCount },
  WEB_SEARCH_CONCURRENT_REQUESTS: { path: 'rag.web.search.concurrent_requests', schema: z.number().int().min(1).max(100), seed: (c: Config) => w(c).concurrentRequests },
  WEB_LOADER_CONCURRENT_REQUESTS: { path: 'rag.web.loader.concurrent_requests', schema: z.number().int().min(1).max(100), seed: (c: Config) => w(c).loaderConcurrentRequests },
  WEB_SEARCH_DOMAIN_FILTER_LIST: { path: 'rag.web.search.domain.filter_list', schema: z.array(z.string()), seed: (c: Config) => [...w(c).domainFilterList] },
  BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL: {
    path: 'rag.web.search.bypass_embedding_and_retrieval',
    schema: z.boolean(),
    seed: (c: Config) => w(c).bypassEmbeddingAndRetrieval,
  },
  BYPASS_WEB_SEARCH_WEB_LOADER: { path: 'rag.web.search.bypass_web_loader', schema: z.boolean(), seed: (c: Config) => w(c).bypassWebLoader },
  WEB_LOADER_ENGINE: { path: 'rag.web.loader.engine', schema: z.string(), seed: (c: Config) => w(c).loaderEngine },
  ENABLE_WEB_LOADER_SSL_VERIFICATION: { path: 'rag.web.loader.ssl_verification', schema: z.boolean(), seed: (c: Config) => w(c).loaderSslVerification },
  SEARXNG_QUERY_URL: { path: 'rag.web.search.searxng_query_url', schema: z.string(), seed: (c: Config) => w(c).searxngQueryUrl },
  GOOGLE_PSE_API_KEY: { path: 'rag.web.search.google_pse_api_key', schema: z.string(), seed: (c: Config) => w(c).googlePseApiKey },
  GOOGLE_PSE_ENGINE_ID: { path: 'rag.web.search.google_pse_engine_id', schema: z.string(), seed: (c: Config) => w(c).googlePseEngineId },
  BRAVE_SEARCH_API_KEY: { path: 'rag.web.search.brave_search_api_key', schema: z.string(), seed: (c: Config) => w(c).braveApiKey },
  KAGI_SEARCH_API_KEY: { path: 'rag.web.search.kagi_search_api_key', schema: z.string(), seed: (c: Config) => w(c).kagiApiKey },
  SERPER_API_KEY: { path: 'rag.web.search.serper_api_key', schema: z.string(), seed: (c: Config) => w(c).serperApiKey },
  TAVILY_API_KEY: { path: 'rag.web.search.tavily_api_key', schema: z.string(), seed: (c: Config) => w(c).tavilyApiKey },
  SERPAPI_API_KEY: { path: 'rag.web.search.serpapi_api_key', schema: z.string(), seed: (c: Config) => w(c).serpapiApiKey },
  SERPAPI_ENGINE: { path: 'rag.web.search.serpapi_engine', schema: z.string(), seed: (c: Config) => w(c).serpapiEngine },
  JINA_API_KEY: { path: 'rag.web.search.jina_api_key', schema: z.string(), seed: (c: Config) => w(c).jinaApiKey },
  BING_SEARCH_V7_ENDPOINT: { path: 'rag.web.search.bing_search_v7_endpoint', schema: z.string(), seed: (c: Config) => w(c).bingEndpoint },
  BING_SEARCH_V7_SUBSCRIPTION_KEY: { path: 'rag.web.search.bing_search_v7_subscription_key', schema: z.string(), seed: (c: Config) => w(c).bingKey },
  EXA_API_KEY: { path: 'rag.web.search.exa_api_key', schema: z.string(), seed: (c: Config) => w(c).exaApiKey },
  PERPLEXITY_API_KEY: { path: 'rag.web.search.perplexity_api_key', schema: z.string(), seed: (c: Config) => w(c).perplexityApiKey },
  PERPLEXITY_MODEL: { path: 'rag.web.search.perplexity_model', schema: z.string(), seed: (c: Config) => w(c).perplexityModel },
  PERPLEXITY_SEARCH_CONTEXT_USAGE: {
    path: 'rag.web.search.perplexity_search_context_usage',
    schema: z.string(),
    seed: (c: Config) => w(c).perplexitySearchContextUsage,
  },
  // The query-generation task (Admin > Settings > Interface in the original).
  ENABLE_SEARCH_QUERY_GENERATION: { path: 'task.query.search.enable', schema: z.boolean(), seed: (c: Config) => w(c).enableSearchQueryGeneration },
  QUERY_GENERATION_PROMPT_TEMPLATE: { path: 'task.query.prompt_template', schema: z.string(), seed: (c: Config) => w(c).queryGenerationPromptTemplate },
};

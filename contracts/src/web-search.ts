import { z } from 'zod';
import { lazy } from './lazy.ts';

/** `POST /api/v1/retrieval/process/web` (the original's ProcessUrlForm). */
export const ProcessUrlForm = lazy(() => z.looseObject({
  url: z.string().min(1).max(8192),
  collection_name: z.string().min(1).max(512).nullable().optional(),
}));

/** `POST /api/v1/retrieval/process/web/search` (the original's SearchForm). */
export const WebSearchForm = lazy(() => z.looseObject({
  queries: z.array(z.string().min(1).max(2000)).min(1).max(16),
}));

const opt = <T extends z.ZodTypeAny>(t: T) => t.nullable().optional();

/** The `web` part of `POST /api/v1/retrieval/config/update` (the original's WebConfig); unknown keys are ignored. */
export const WebConfigForm = lazy(() => z.looseObject({
  ENABLE_WEB_SEARCH: opt(z.boolean()),
  WEB_SEARCH_ENGINE: opt(z.string().max(100)),
  WEB_SEARCH_RESULT_COUNT: opt(z.number().int().min(1).max(100)),
  WEB_SEARCH_CONCURRENT_REQUESTS: opt(z.number().int().min(1).max(100)),
  WEB_LOADER_CONCURRENT_REQUESTS: opt(z.number().int().min(1).max(100)),
  WEB_SEARCH_DOMAIN_FILTER_LIST: opt(z.array(z.string().max(500)).max(1000)),
  BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL: opt(z.boolean()),
  BYPASS_WEB_SEARCH_WEB_LOADER: opt(z.boolean()),
  SEARXNG_QUERY_URL: opt(z.string().max(2000)),
  GOOGLE_PSE_API_KEY: opt(z.string().max(1000)),
  GOOGLE_PSE_ENGINE_ID: opt(z.string().max(1000)),
  BRAVE_SEARCH_API_KEY: opt(z.string().max(1000)),
  KAGI_SEARCH_API_KEY: opt(z.string().max(1000)),
  SERPER_API_KEY: opt(z.string().max(1000)),
  TAVILY_API_KEY: opt(z.string().max(1000)),
  SERPAPI_API_KEY: opt(z.string().max(1000)),
  SERPAPI_ENGINE: opt(z.string().max(100)),
  JINA_API_KEY: opt(z.string().max(1000)),
  BING_SEARCH_V7_ENDPOINT: opt(z.string().max(2000)),
  BING_SEARCH_V7_SUBSCRIPTION_KEY: opt(z.string().max(1000)),
  EXA_API_KEY: opt(z.string().max(1000)),
  PERPLEXITY_API_KEY: opt(z.string().max(1000)),
  PERPLEXITY_MODEL: opt(z.string().max(100)),
  PERPLEXITY_SEARCH_CONTEXT_USAGE: opt(z.enum(['low', 'medium', 'high'])),
  WEB_LOADER_ENGINE: opt(z.string().max(100)),
  ENABLE_WEB_LOADER_SSL_VERIFICATION: opt(z.boolean()),
}));

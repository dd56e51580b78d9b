import { z } from 'zod';
import { USER_ROLES, type Config } from './env.js';
import { SSO_PERSISTENT_KEYS } from './persistent-keys.sso.js';
import { MEDIA_PERSISTENT_KEYS } from './persistent-keys.media.js';
import { WEB_SEARCH_PERSISTENT_KEYS } from './persistent-keys.websearch.js';

/**
 * Settings that an admin can change at run time. Each has Open WebUI's env name, its dotted path in
 * the stored config tree (so a config exported from the original imports here), a schema, and the
 * env-derived seed. Add a key here and it is persisted, reset and synchronised like the others.
 */
const connectionConfigs = z.record(z.string(), z.record(z.string(), z.unknown()));

// Seeded from USER_PERMISSIONS_* (config/permissions-env.ts); re-exported for existing importers.
export { DEFAULT_USER_PERMISSIONS } from './permissions-env.js';

export const PERSISTENT_KEYS = {
  WEBUI_URL: { path: 'webui.url', schema: z.string(), seed: (c: Config) => c.webui.url },
  ENABLE_SIGNUP: { path: 'ui.enable_signup', schema: z.boolean(), seed: (c: Config) => c.auth.enableSignup },
  ENABLE_LOGIN_FORM: { path: 'ui.ENABLE_LOGIN_FORM', schema: z.boolean(), seed: (c: Config) => c.auth.enableLoginForm },
  DEFAULT_USER_ROLE: { path: 'ui.default_user_role', schema: z.enum(USER_ROLES), seed: (c: Config) => c.auth.defaultUserRole },
  DEFAULT_LOCALE: { path: 'ui.default_locale', schema: z.string(), seed: (c: Config) => c.webui.defaultLocale },
  DEFAULT_MODELS: { path: 'ui.default_models', schema: z.string().nullable(), seed: (c: Config) => c.models.defaultModels || null },
  DEFAULT_PINNED_MODELS: { path: 'ui.default_pinned_models', schema: z.string().nullable(), seed: (c: Config) => c.models.defaultPinnedModels || null },
  MODEL_ORDER_LIST: { path: 'ui.model_order_list', schema: z.array(z.string()).nullable(), seed: () => null as string[] | null },
  PENDING_USER_OVERLAY_TITLE: { path: 'ui.pending_user_overlay_title', schema: z.string(), seed: (c: Config) => c.auth.pendingOverlayTitle },
  PENDING_USER_OVERLAY_CONTENT: { path: 'ui.pending_user_overlay_content', schema: z.string(), seed: (c: Config) => c.auth.pendingOverlayContent },
  JWT_EXPIRES_IN: { path: 'auth.jwt_expiry', schema: z.string(), seed: (c: Config) => c.auth.jwtExpiresIn },
  ENABLE_API_KEYS: { path: 'auth.enable_api_keys', schema: z.boolean(), seed: (c: Config) => c.auth.enableApiKeys },
  ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS: {
    path: 'auth.api_key.endpoint_restrictions',
    schema: z.boolean(),
    seed: (c: Config) => c.auth.apiKeyEndpointRestrictions,
  },
  API_KEYS_ALLOWED_ENDPOINTS: { path: 'auth.api_key.allowed_endpoints', schema: z.string(), seed: (c: Config) => c.auth.apiKeyAllowedEndpoints },
  SHOW_ADMIN_DETAILS: { path: 'auth.admin.show', schema: z.boolean(), seed: (c: Config) => c.auth.showAdminDetails },
  ADMIN_EMAIL: { path: 'auth.admin.email', schema: z.string(), seed: (c: Config) => c.auth.adminEmail },
  USER_PERMISSIONS: {
    path: 'user.permissions',
    schema: z.record(z.string(), z.unknown()),
    seed: (c: Config) => structuredClone(c.permissions.defaults) as Record<string, unknown>,
  },
  // --- workspace
  DEFAULT_GROUP_ID: { path: 'ui.default_group_id', schema: z.string(), seed: (c: Config) => c.permissions.defaultGroupId },
  // --- end workspace
  ENABLE_OLLAMA_API: { path: 'ollama.enable', schema: z.boolean(), seed: (c: Config) => c.ollama.enable },
  OLLAMA_BASE_URLS: { path: 'ollama.base_urls', schema: z.array(z.string()), seed: (c: Config) => c.ollama.baseUrls },
  OLLAMA_API_CONFIGS: { path: 'ollama.api_configs', schema: connectionConfigs, seed: (c: Config) => (c.extra.ollamaApiConfigs ?? {}) as Record<string, Record<string, unknown>> },
  ENABLE_OPENAI_API: { path: 'openai.enable', schema: z.boolean(), seed: (c: Config) => c.openai.enable },
  OPENAI_API_BASE_URLS: { path: 'openai.api_base_urls', schema: z.array(z.string()), seed: (c: Config) => c.openai.baseUrls },
  OPENAI_API_KEYS: { path: 'openai.api_keys', schema: z.array(z.string()), seed: (c: Config) => c.openai.keys },
  OPENAI_API_CONFIGS: { path: 'openai.api_configs', schema: connectionConfigs, seed: (c: Config) => (c.extra.openaiApiConfigs ?? {}) as Record<string, Record<string, unknown>> },
  // ---- tool servers (issue 19) ----
  TOOL_SERVER_CONNECTIONS: {
    path: 'tool_server.connections',
    schema: z.array(z.record(z.string(), z.unknown())),
    seed: (c: Config) => structuredClone(c.tools.connections),
  },
  // LDAP (single sign-on).
  ...SSO_PERSISTENT_KEYS,
  // ---- documents & retrieval (RAG); paths as the original's config tree
  RAG_TEMPLATE: { path: 'rag.template', schema: z.string(), seed: (c: Config) => c.rag.template },
  TOP_K: { path: 'rag.top_k', schema: z.number().int().min(1), seed: (c: Config) => c.rag.topK },
  TOP_K_RERANKER: { path: 'rag.top_k_reranker', schema: z.number().int().min(1), seed: (c: Config) => c.rag.topKReranker },
  RELEVANCE_THRESHOLD: { path: 'rag.relevance_threshold', schema: z.number(), seed: (c: Config) => c.rag.relevanceThreshold },
  HYBRID_BM25_WEIGHT: { path: 'rag.hybrid_bm25_weight', schema: z.number().min(0).max(1), seed: (c: Config) => c.rag.hybridBm25Weight },
  ENABLE_RAG_HYBRID_SEARCH: { path: 'rag.enable_hybrid_search', schema: z.boolean(), seed: (c: Config) => c.rag.hybrid },
  BYPASS_EMBEDDING_AND_RETRIEVAL: { path: 'rag.bypass_embedding_and_retrieval', schema: z.boolean(), seed: (c: Config) => c.rag.bypassEmbeddingAndRetrieval },
  RAG_FULL_CONTEXT: { path: 'rag.full_context', schema: z.boolean(), seed: (c: Config) => c.rag.fullContext },
  CHUNK_SIZE: { path: 'rag.chunk_size', schema: z.number().int().min(1), seed: (c: Config) => c.rag.chunkSize },
  CHUNK_OVERLAP: { path: 'rag.chunk_overlap', schema: z.number().int().min(0), seed: (c: Config) => c.rag.chunkOverlap },
  TEXT_SPLITTER: { path: 'rag.text_splitter', schema: z.enum(['', 'character', 'token']), seed: (c: Config) => c.rag.textSplitter },
  RAG_EMBEDDING_ENGINE: { path: 'rag.embedding_engine', schema: z.enum(['', 'ollama', 'openai']), seed: (c: Config) => c.rag.embeddingEngine },
  RAG_EMBEDDING_MODEL: { path: 'rag.embedding_model', schema: z.string(), seed: (c: Config) => c.rag.embeddingModel },
  RAG_EMBEDDING_BATCH_SIZE: { path: 'rag.embedding_batch_size', schema: z.number().int().min(1).max(4096), seed: (c: Config) => c.rag.embeddingBatchSize },
  RAG_OLLAMA_BASE_URL: { path: 'rag.ollama.url', schema: z.string(), seed: (c: Config) => c.rag.ollamaBaseUrl },
  RAG_OLLAMA_API_KEY: { path: 'rag.ollama.key', schema: z.string(), seed: (c: Config) => c.rag.ollamaApiKey },
  RAG_OPENAI_API_BASE_URL: { path: 'rag.openai_api_base_url', schema: z.string(), seed: (c: Config) => c.rag.openaiBaseUrl },
  RAG_OPENAI_API_KEY: { path: 'rag.openai_api_key', schema: z.string(), seed: (c: Config) => c.rag.openaiApiKey },
  RAG_EXTERNAL_RERANKER_URL: { path: 'rag.external_reranker_url', schema: z.string(), seed: (c: Config) => c.rag.rerankerUrl },
  RAG_EXTERNAL_RERANKER_API_KEY: { path: 'rag.external_reranker_api_key', schema: z.string(), seed: (c: Config) => c.rag.rerankerApiKey },
  RAG_RERANKING_MODEL: { path: 'rag.reranking_model', schema: z.string(), seed: (c: Config) => c.rag.rerankingModel },
  FILE_MAX_SIZE: { path: 'rag.file.max_size', schema: z.number().int().min(0).nullable(), seed: (c: Config) => c.rag.fileMaxSizeMb },
  FILE_MAX_COUNT: { path: 'rag.file.max_count', schema: z.number().int().min(0).nullable(), seed: (c: Config) => c.rag.fileMaxCount },
  ALLOWED_FILE_EXTENSIONS: { path: 'rag.file.allowed_extensions', schema: z.array(z.string()), seed: (c: Config) => c.rag.allowedExtensions },
  // ---- end documents & retrieval
  // Audio and image generation (issue 20).
  ...MEDIA_PERSISTENT_KEYS,
  // ---- chat app: banners, connection flags, webhook, task model (Open WebUI 0.6.34 paths)
  WEBUI_BANNERS: { path: 'ui.banners', schema: z.array(z.record(z.string(), z.unknown())), seed: (c: Config) => structuredClone(c.chatApp.banners) },
  ENABLE_DIRECT_CONNECTIONS: { path: 'direct.enable', schema: z.boolean(), seed: (c: Config) => c.chatApp.enableDirectConnections },
  ENABLE_BASE_MODELS_CACHE: { path: 'models.base_models_cache', schema: z.boolean(), seed: (c: Config) => c.chatApp.enableBaseModelsCache },
  WEBHOOK_URL: { path: 'webhook_url', schema: z.string(), seed: (c: Config) => c.chatApp.webhookUrl },
  TASK_MODEL: { path: 'task.model.default', schema: z.string(), seed: (c: Config) => c.chatApp.task.model },
  TASK_MODEL_EXTERNAL: { path: 'task.model.external', schema: z.string(), seed: (c: Config) => c.chatApp.task.modelExternal },
  ENABLE_TITLE_GENERATION: { path: 'task.title.enable', schema: z.boolean(), seed: (c: Config) => c.chatApp.task.enableTitle },
  TITLE_GENERATION_PROMPT_TEMPLATE: { path: 'task.title.prompt_template', schema: z.string(), seed: (c: Config) => c.chatApp.task.titleTemplate },
  ENABLE_TAGS_GENERATION: { path: 'task.tags.enable', schema: z.boolean(), seed: (c: Config) => c.chatApp.task.enableTags },
  TAGS_GENERATION_PROMPT_TEMPLATE: { path: 'task.tags.prompt_template', schema: z.string(), seed: (c: Config) => c.chatApp.task.tagsTemplate },
  ENABLE_FOLLOW_UP_GENERATION: { path: 'task.follow_up.enable', schema: z.boolean(), seed: (c: Config) => c.chatApp.task.enableFollowUp },
  DEFAULT_PROMPT_SUGGESTIONS: {
    path: 'ui.prompt_suggestions',
    schema: z.array(z.object({ title: z.array(z.string()), content: z.string() })),
    // None by default: our UI then shows its own translated starters; an admin's list replaces them.
    seed: () => [] as Array<{ title: string[]; content: string }>,
  },
  FOLLOW_UP_GENERATION_PROMPT_TEMPLATE: { path: 'task.follow_up.prompt_template', schema: z.string(), seed: (c: Config) => c.chatApp.task.followUpTemplate },
  // ---- web search (issue 17): rag.web.*, task.query.*
  ...WEB_SEARCH_PERSISTENT_KEYS,
} as const;

export type PersistentKey = keyof typeof PERSISTENT_KEYS;
export type PersistentValues = { [K in PersistentKey]: z.infer<(typeof PERSISTENT_KEYS)[K]['schema']> };

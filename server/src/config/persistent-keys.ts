import { z } from 'zod';
import { USER_ROLES, type Config } from './env.js';

/**
 * Settings that an admin can change at run time. Each has Open WebUI's env name, its dotted path in
 * the stored config tree (so a config exported from the original imports here), a schema, and the
 * env-derived seed. Add a key here and it is persisted, reset and synchronised like the others.
 */
const connectionConfigs = z.record(z.string(), z.record(z.string(), z.unknown()));

/**
 * What a non-admin may do when no group grants more (`USER_PERMISSIONS`, the original's defaults).
 * API keys stay off until an admin grants them.
 */
export const DEFAULT_USER_PERMISSIONS = {
  workspace: { models: false, knowledge: false, prompts: false, tools: false, models_import: false, models_export: false, prompts_import: false, prompts_export: false, tools_import: false, tools_export: false },
  sharing: { models: false, public_models: false, knowledge: false, public_knowledge: false, prompts: false, public_prompts: false, tools: false, public_tools: false, notes: false, public_notes: false },
  chat: {
    controls: true, valves: true, system_prompt: true, params: true, file_upload: true, delete: true, delete_message: true,
    continue_response: true, regenerate_response: true, rate_response: true, edit: true, share: true, export: true,
    stt: true, tts: true, call: true, multiple_models: true, temporary: true, temporary_enforced: false,
  },
  features: { api_keys: false, direct_tool_servers: false, web_search: true, image_generation: true, code_interpreter: true, notes: true },
};

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
    seed: () => structuredClone(DEFAULT_USER_PERMISSIONS) as Record<string, unknown>,
  },
  ENABLE_OLLAMA_API: { path: 'ollama.enable', schema: z.boolean(), seed: (c: Config) => c.ollama.enable },
  OLLAMA_BASE_URLS: { path: 'ollama.base_urls', schema: z.array(z.string()), seed: (c: Config) => c.ollama.baseUrls },
  OLLAMA_API_CONFIGS: { path: 'ollama.api_configs', schema: connectionConfigs, seed: (c: Config) => (c.extra.ollamaApiConfigs ?? {}) as Record<string, Record<string, unknown>> },
  ENABLE_OPENAI_API: { path: 'openai.enable', schema: z.boolean(), seed: (c: Config) => c.openai.enable },
  OPENAI_API_BASE_URLS: { path: 'openai.api_base_urls', schema: z.array(z.string()), seed: (c: Config) => c.openai.baseUrls },
  OPENAI_API_KEYS: { path: 'openai.api_keys', schema: z.array(z.string()), seed: (c: Config) => c.openai.keys },
  OPENAI_API_CONFIGS: { path: 'openai.api_configs', schema: connectionConfigs, seed: (c: Config) => (c.extra.openaiApiConfigs ?? {}) as Record<string, Record<string, unknown>> },
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
} as const;

export type PersistentKey = keyof typeof PERSISTENT_KEYS;
export type PersistentValues = { [K in PersistentKey]: z.infer<(typeof PERSISTENT_KEYS)[K]['schema']> };

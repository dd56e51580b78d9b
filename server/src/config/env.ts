import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { userPermissionsFromEnv } from './permissions-env.js';
import { toolsConfig } from './tools-env.js';
import { webSearchConfig } from './websearch-env.js';
import { loadSsoConfig } from './sso.js';
import { mediaConfig } from './media-env.js';
import { chatAppEnv } from './chat-app.js';

/**
 * The one place that reads process.env. Names and defaults follow Open WebUI's env.py/config.py so an
 * existing deployment's environment keeps its meaning. Parsed once at start-up into a nested object;
 * anything invalid stops the process with one line naming the variable (see ConfigError).
 */

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly accepted: string,
    readonly value: string,
    message?: string,
  ) {
    super(message ?? `Invalid value for ${variable}: '${value}'. ${accepted}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

// Open WebUI treats a boolean as true only when it lowercases to "true"; we do the same, but reject
// values that are clearly neither so a typo like ENABLE_SIGNUP=flase does not silently mean false.
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', '']);

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const v = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return v === '' ? fallback : false;
  throw new ConfigError(name, 'Accepted: true or false.', raw);
}

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `Accepted: a whole number from ${min} to ${max}.`, raw);
  }
  return n;
}

/** Seconds as a positive number, or null for "no limit" (empty value). */
function seconds(env: Env, name: string, fallback: number | null): number | null {
  const raw = env[name];
  if (raw === undefined) return fallback;
  if (raw.trim() === '') return null;
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n <= 0) {
    throw new ConfigError(name, 'Accepted: a number of seconds greater than 0, or empty for no limit.', raw);
  }
  return n;
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T, lower = true): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = lower ? raw.trim().toLowerCase() : raw.trim();
  const hit = values.find((x) => (lower ? x.toLowerCase() : x) === v);
  if (!hit) throw new ConfigError(name, `Accepted: ${values.join(', ')}.`, raw);
  return hit;
}

function str(env: Env, name: string, fallback = ''): string {
  const raw = env[name];
  return raw === undefined ? fallback : raw.trim();
}

function list(raw: string, sep = ';'): string[] {
  return raw
    .split(sep)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function httpUrl(name: string, raw: string, warnings: string[] = []): string {
  let url = raw.replace(/\/+$/, '');
  const isUrl = (u: string) => z.url({ protocol: /^https?$/ }).safeParse(u).success;
  // `localhost:11434` (no scheme) is a common slip: take it as http:// and say so, rather than refuse.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && /^[^/\s:]+:\d+(\/.*)?$/.test(url) && isUrl(`http://${url}`)) {
    warnings.push(`${name}: '${raw}' has no scheme; using 'http://${url}'. Write the full URL to silence this warning.`);
    url = `http://${url}`;
  }
  if (!isUrl(url)) {
    // Only the list variables (…_URLS) take several URLs; do not mention ';' for a single-URL one.
    const accepted = name.endsWith('URLS') ? 'Accepted: http:// or https:// URLs separated by ";".' : 'Accepted: an http:// or https:// URL, e.g. http://localhost:11434.';
    throw new ConfigError(name, accepted, raw);
  }
  return url;
}

function jsonObject(env: Env, name: string): Record<string, unknown> | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw new ConfigError(name, 'Accepted: a JSON object.', raw);
}

// Same rules and wording as the original's start-up check: an origin needs http/https (or a scheme
// listed in CORS_ALLOW_CUSTOM_SCHEME) and a host. `*` alone means "any origin" and skips the check.
function corsOrigins(env: Env): { allowOrigin: string[]; customSchemes: string[] } {
  const allowOrigin = list(str(env, 'CORS_ALLOW_ORIGIN', '*'));
  const customSchemes = list(str(env, 'CORS_ALLOW_CUSTOM_SCHEME')).map((s) => s.toLowerCase());
  if (allowOrigin.length === 0 || (allowOrigin.length === 1 && allowOrigin[0] === '*')) return { allowOrigin: ['*'], customSchemes };
  const schemes = new Set(['http', 'https', ...customSchemes]);
  for (const origin of allowOrigin) {
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/.exec(origin);
    const scheme = m ? m[1]!.toLowerCase() : '';
    if (!schemes.has(scheme)) {
      throw new ConfigError('CORS_ALLOW_ORIGIN', '', origin, `Invalid scheme in CORS_ALLOW_ORIGIN: '${origin}'. Only 'http' and 'https' and CORS_ALLOW_CUSTOM_SCHEME are allowed.`);
    }
    const rest = m![2]!;
    const netloc = rest.startsWith('//') ? rest.slice(2).split(/[/?#]/)[0]! : '';
    if (!netloc) throw new ConfigError('CORS_ALLOW_ORIGIN', '', origin, `Invalid URL structure in CORS_ALLOW_ORIGIN: '${origin}'.`);
  }
  return { allowOrigin, customSchemes };
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
// Python level names users already set for the original, mapped onto pino's.
const PY_LEVELS: Record<string, (typeof LOG_LEVELS)[number]> = {
  notset: 'trace',
  debug: 'debug',
  info: 'info',
  warning: 'warn',
  warn: 'warn',
  error: 'error',
  critical: 'fatal',
  fatal: 'fatal',
  trace: 'trace',
  silent: 'silent',
};

export const USER_ROLES = ['pending', 'user', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

const JWT_EXPIRY = /^(-1|0|(\d+(ms|s|m|h|d|w))+)$/;

// The repository root holds the shipped UI build. Found by walking up, because this file runs both from
// source (server/src/config) and bundled (server/dist).
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (path.dirname(dir) !== dir) {
    if (fs.existsSync(path.join(dir, 'web')) && fs.existsSync(path.join(dir, 'server'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}
const PACKAGE_ROOT = packageRoot();

export function loadConfig(env: Env = process.env, cwd = process.cwd()) {
  const dataDir = path.resolve(cwd, str(env, 'DATA_DIR') || 'data');

  let databaseUrl = str(env, 'DATABASE_URL');
  if (!databaseUrl) databaseUrl = `sqlite:///${path.join(dataDir, 'webui.db')}`;
  if (databaseUrl.startsWith('postgres://')) databaseUrl = 'postgresql://' + databaseUrl.slice('postgres://'.length);
  if (!/^(sqlite:\/\/|postgresql:\/\/)/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'Accepted: sqlite:///path/to/file.db or postgres(ql)://user:pass@host/db.', databaseUrl);
  }

  const logRaw = str(env, 'GLOBAL_LOG_LEVEL', 'INFO').toLowerCase();
  const logLevel = PY_LEVELS[logRaw];
  if (!logLevel) throw new ConfigError('GLOBAL_LOG_LEVEL', 'Accepted: DEBUG, INFO, WARNING, ERROR, CRITICAL (or trace, silent).', logRaw);

  const webuiAuth = bool(env, 'WEBUI_AUTH', true);

  const jwtExpiresIn = str(env, 'JWT_EXPIRES_IN', '4w');
  if (!JWT_EXPIRY.test(jwtExpiresIn)) {
    throw new ConfigError('JWT_EXPIRES_IN', 'Accepted: -1, 0, or durations like 4w, 1h30m, 90s (units ms s m h d w).', jwtExpiresIn);
  }

  const ollamaUrlRaw = str(env, 'OLLAMA_BASE_URL') || str(env, 'OLLAMA_API_BASE_URL').replace(/\/api\/?$/, '') || 'http://localhost:11434';
  const ollamaUrls = list(str(env, 'OLLAMA_BASE_URLS'));
  const openaiUrl = str(env, 'OPENAI_API_BASE_URL') || 'https://api.openai.com/v1';
  const openaiUrlsRaw = str(env, 'OPENAI_API_BASE_URLS');
  const openaiUrls = openaiUrlsRaw ? openaiUrlsRaw.split(';').map((u) => u.trim() || openaiUrl) : [openaiUrl];
  const openaiKeysRaw = str(env, 'OPENAI_API_KEYS') || str(env, 'OPENAI_API_KEY');
  const openaiKeys = openaiKeysRaw.split(';').map((k) => k.trim());

  const redisUrl = str(env, 'REDIS_URL');
  const websocketManager = oneOf(env, 'WEBSOCKET_MANAGER', ['', 'redis'] as const, '');

  const webuiName = str(env, 'WEBUI_NAME', 'Open WebUI');
  // Values accepted with a correction; printed once at start-up (and by doctor).
  const warnings: string[] = [];

  return {
    env: str(env, 'ENV', 'dev'),
    server: {
      host: str(env, 'HOST', '0.0.0.0'),
      port: int(env, 'PORT', 8080, 0, 65535),
      /** Graceful-shutdown budget for in-flight requests. */
      shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT', 10, 0, 3600) * 1000,
      forwardedAllowIps: str(env, 'FORWARDED_ALLOW_IPS', '127.0.0.1'),
    },
    webui: {
      // Like the original, a customised name gets " (Open WebUI)" appended.
      name: webuiName === 'Open WebUI' ? webuiName : `${webuiName} (Open WebUI)`,
      url: str(env, 'WEBUI_URL'),
      secretKey: env.WEBUI_SECRET_KEY ?? env.WEBUI_JWT_SECRET_KEY,
      defaultLocale: str(env, 'DEFAULT_LOCALE'),
    },
    paths: {
      dataDir,
      frontendBuildDir: path.resolve(cwd, str(env, 'FRONTEND_BUILD_DIR') || path.join(PACKAGE_ROOT, 'web', 'build')),
      staticDir: path.resolve(cwd, str(env, 'STATIC_DIR') || path.join(dataDir, 'static')),
    },
    database: {
      url: databaseUrl,
      dialect: databaseUrl.startsWith('sqlite') ? ('sqlite' as const) : ('postgres' as const),
      poolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
      sqliteWal: bool(env, 'DATABASE_ENABLE_SQLITE_WAL', true),
    },
    redis: {
      url: redisUrl,
      keyPrefix: str(env, 'REDIS_KEY_PREFIX', 'open-webui'),
    },
    log: {
      level: logLevel,
      // Not in the original: `json` or `text`; by default text on a terminal, JSON otherwise.
      format: oneOf(env, 'LOG_FORMAT', ['auto', 'json', 'text'] as const, 'auto'),
      noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
    },
    auth: {
      enabled: webuiAuth,
      enableSignup: webuiAuth ? bool(env, 'ENABLE_SIGNUP', true) : false,
      enableLoginForm: bool(env, 'ENABLE_LOGIN_FORM', true),
      enablePasswordAuth: bool(env, 'ENABLE_PASSWORD_AUTH', true),
      enableInitialAdminSignup: bool(env, 'ENABLE_INITIAL_ADMIN_SIGNUP', false),
      enableSignupPasswordConfirmation: bool(env, 'ENABLE_SIGNUP_PASSWORD_CONFIRMATION', false),
      defaultUserRole: oneOf(env, 'DEFAULT_USER_ROLE', USER_ROLES, 'pending'),
      jwtExpiresIn,
      enableApiKeys: bool(env, 'ENABLE_API_KEYS', bool(env, 'ENABLE_API_KEY', false)),
      apiKeyEndpointRestrictions: bool(env, 'ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS', bool(env, 'ENABLE_API_KEY_ENDPOINT_RESTRICTIONS', false)),
      apiKeyAllowedEndpoints: str(env, 'API_KEYS_ALLOWED_ENDPOINTS', str(env, 'API_KEY_ALLOWED_ENDPOINTS')),
      trustedEmailHeader: str(env, 'WEBUI_AUTH_TRUSTED_EMAIL_HEADER'),
      trustedNameHeader: str(env, 'WEBUI_AUTH_TRUSTED_NAME_HEADER'),
      signoutRedirectUrl: str(env, 'WEBUI_AUTH_SIGNOUT_REDIRECT_URL'),
      admin: {
        email: str(env, 'WEBUI_ADMIN_EMAIL'),
        password: env.WEBUI_ADMIN_PASSWORD ?? '',
        name: str(env, 'WEBUI_ADMIN_NAME', 'Admin'),
      },
      showAdminDetails: bool(env, 'SHOW_ADMIN_DETAILS', true),
      enableAdminChatAccess: bool(env, 'ENABLE_ADMIN_CHAT_ACCESS', true),
      enableAdminExport: bool(env, 'ENABLE_ADMIN_EXPORT', true),
      adminEmail: str(env, 'ADMIN_EMAIL'),
      passwordValidation: {
        enabled: bool(env, 'ENABLE_PASSWORD_VALIDATION', false),
        pattern: str(env, 'PASSWORD_VALIDATION_REGEX_PATTERN', '^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$'),
        hint: str(env, 'PASSWORD_VALIDATION_HINT'),
      },
      cookie: {
        sameSite: oneOf(env, 'WEBUI_AUTH_COOKIE_SAME_SITE', ['lax', 'strict', 'none'] as const, oneOf(env, 'WEBUI_SESSION_COOKIE_SAME_SITE', ['lax', 'strict', 'none'] as const, 'lax')),
        secure: bool(env, 'WEBUI_AUTH_COOKIE_SECURE', bool(env, 'WEBUI_SESSION_COOKIE_SECURE', false)),
      },
      signinRateLimit: { attempts: 15, windowSeconds: 180 },
      pendingOverlayTitle: str(env, 'PENDING_USER_OVERLAY_TITLE'),
      pendingOverlayContent: str(env, 'PENDING_USER_OVERLAY_CONTENT'),
    },
    ollama: {
      enable: bool(env, 'ENABLE_OLLAMA_API', true),
      baseUrls: (ollamaUrls.length ? ollamaUrls : [ollamaUrlRaw]).map((u) => httpUrl(ollamaUrls.length ? 'OLLAMA_BASE_URLS' : 'OLLAMA_BASE_URL', u, warnings)),
    },
    openai: {
      enable: bool(env, 'ENABLE_OPENAI_API', true),
      baseUrls: openaiUrls.map((u) => httpUrl(openaiUrlsRaw ? 'OPENAI_API_BASE_URLS' : 'OPENAI_API_BASE_URL', u, warnings)),
      // Keys align with URLs by index; pad or cut like the original does.
      keys: openaiUrls.map((_, i) => openaiKeys[i] ?? ''),
    },
    models: {
      cacheTtlSeconds: seconds(env, 'MODELS_CACHE_TTL', 1),
      defaultModels: str(env, 'DEFAULT_MODELS'),
      defaultPinnedModels: str(env, 'DEFAULT_PINNED_MODELS'),
      bypassAccessControl: bool(env, 'BYPASS_MODEL_ACCESS_CONTROL', false),
      forwardUserInfoHeaders: bool(env, 'ENABLE_FORWARD_USER_INFO_HEADERS', false),
    },
    timeouts: {
      /** AIOHTTP_CLIENT_TIMEOUT: generation calls; null = no total limit. Seed docs promise 5 minutes. */
      clientSeconds: seconds(env, 'AIOHTTP_CLIENT_TIMEOUT', 300),
      modelListSeconds:
        seconds(env, 'AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST', seconds(env, 'AIOHTTP_CLIENT_TIMEOUT_OPENAI_MODEL_LIST', 10)) ?? 10,
      verifyTls: bool(env, 'AIOHTTP_CLIENT_SESSION_SSL', true),
      // --- security (issue 12): AIOHTTP_CLIENT_TIMEOUT bounds a whole generation response, as the
      // original's aiohttp total timeout; this bounds each silence (wait for headers, gap between chunks).
      // Not in the original; defaults to AIOHTTP_CLIENT_TIMEOUT's value, empty = no idle limit.
      idleSeconds: seconds(env, 'UPSTREAM_IDLE_TIMEOUT', seconds(env, 'AIOHTTP_CLIENT_TIMEOUT', 300)),
    },
    cors: corsOrigins(env),
    securityHeaders: {
      hsts: str(env, 'HSTS'),
      xframeOptions: str(env, 'XFRAME_OPTIONS'),
      xcontentType: str(env, 'XCONTENT_TYPE'),
      xdownloadOptions: str(env, 'XDOWNLOAD_OPTIONS'),
      referrerPolicy: str(env, 'REFERRER_POLICY'),
      cacheControl: str(env, 'CACHE_CONTROL'),
      permissionsPolicy: str(env, 'PERMISSIONS_POLICY'),
      xpermittedCrossDomainPolicies: str(env, 'XPERMITTED_CROSS_DOMAIN_POLICIES'),
      contentSecurityPolicy: str(env, 'CONTENT_SECURITY_POLICY'),
    },
    limits: {
      jsonBodyBytes: int(env, 'MAX_BODY_SIZE', 64 * 1024 * 1024, 1024),
      /** Not in the original: longest accepted request target (path + query) before a 414. */
      maxUrlLength: int(env, 'MAX_URL_LENGTH', 8192, 256, 65536),
      /** Not in the original: requests per minute per client IP on unauthenticated API routes; 0 = off. */
      publicRateLimitPerMinute: int(env, 'PUBLIC_RATE_LIMIT_PER_MINUTE', 300, 0),
    },
    persistentConfig: {
      enabled: bool(env, 'ENABLE_PERSISTENT_CONFIG', true),
      resetOnStart: bool(env, 'RESET_CONFIG_ON_START', false),
    },
    websocket: {
      enabled: bool(env, 'ENABLE_WEBSOCKET_SUPPORT', true),
      manager: websocketManager,
      redisUrl: str(env, 'WEBSOCKET_REDIS_URL') || redisUrl,
      pingIntervalSeconds: int(env, 'WEBSOCKET_SERVER_PING_INTERVAL', 25, 1),
      pingTimeoutSeconds: int(env, 'WEBSOCKET_SERVER_PING_TIMEOUT', 20, 1),
    },
    // --- workspace: default user permissions (USER_PERMISSIONS_*) and the admin access bypass.
    permissions: {
      defaults: userPermissionsFromEnv(env, bool),
      /** BYPASS_ADMIN_ACCESS_CONTROL (default true): admins see and use every model, prompt... */
      bypassAdminAccessControl: bool(env, 'BYPASS_ADMIN_ACCESS_CONTROL', true),
      /** DEFAULT_GROUP_ID: new accounts join this group (PersistentConfig ui.default_group_id). */
      defaultGroupId: str(env, 'DEFAULT_GROUP_ID'),
    },
    // --- end workspace
    // ---- tool servers (issue 19) ----
    tools: toolsConfig(env),
    // Single sign-on (OAuth/OIDC, LDAP, trusted groups header): config/sso.ts.
    sso: loadSsoConfig(env),
    // ---- web search (issue 17): config/websearch-env.ts
    webSearch: webSearchConfig(env),
    rag: ragConfig(env, databaseUrl, (ollamaUrls.length ? ollamaUrls : [ollamaUrlRaw])[0]!.replace(/\/+$/, ''), openaiUrls[0]!.replace(/\/+$/, ''), openaiKeys[0] ?? ''),
    // Audio (STT/TTS) and image generation (issue 20): config/media-env.ts.
    media: mediaConfig(env, openaiUrls[0]!, openaiKeys[0] ?? ''),
    // ---- chat app (banners, webhook, task model): config/chat-app.ts
    chatApp: chatAppEnv(env, (e) => {
      throw new ConfigError(e.variable, e.accepted, e.value);
    }),
    extra: {
      ollamaApiConfigs: jsonObject(env, 'OLLAMA_API_CONFIGS'),
      openaiApiConfigs: jsonObject(env, 'OPENAI_API_CONFIGS'),
    },
    warnings,
  };
}

// ---- documents & retrieval (RAG): files, knowledge, vector store. Names and defaults as Open WebUI's config.py.
const TEXT_SPLITTERS = ['', 'character', 'token'] as const;
const EMBEDDING_ENGINES = ['', 'ollama', 'openai'] as const;
const VECTOR_DBS = ['', 'chroma', 'sqlite-vec', 'pgvector'] as const;

function optionalInt(env: Env, name: string): number | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '' || raw.trim().toLowerCase() === 'none') return null;
  return int(env, name, 0, 0);
}

function float(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.trim());
  if (!Number.isFinite(n)) throw new ConfigError(name, 'Accepted: a number.', raw);
  return n;
}

function ragConfig(env: Env, databaseUrl: string, ollamaUrl: string, openaiUrl: string, openaiKey: string) {
  const vectorDb = oneOf(env, 'VECTOR_DB', VECTOR_DBS, '');
  const pgvectorUrl = str(env, 'PGVECTOR_DB_URL') || (databaseUrl.startsWith('postgresql://') ? databaseUrl : '');
  if (vectorDb === 'pgvector' && !pgvectorUrl) {
    throw new ConfigError('PGVECTOR_DB_URL', 'VECTOR_DB=pgvector needs PGVECTOR_DB_URL or a PostgreSQL DATABASE_URL.', '');
  }
  return {
    vectorDb: vectorDb === 'pgvector' ? ('pgvector' as const) : ('sqlite-vec' as const),
    pgvectorUrl: pgvectorUrl.replace(/^postgres:\/\//, 'postgresql://'),
    template: env.RAG_TEMPLATE ?? '',
    topK: int(env, 'RAG_TOP_K', 3, 1, 1000),
    topKReranker: int(env, 'RAG_TOP_K_RERANKER', 3, 1, 1000),
    relevanceThreshold: float(env, 'RAG_RELEVANCE_THRESHOLD', 0),
    hybridBm25Weight: float(env, 'RAG_HYBRID_BM25_WEIGHT', 0.5),
    hybrid: bool(env, 'ENABLE_RAG_HYBRID_SEARCH', false),
    bypassEmbeddingAndRetrieval: bool(env, 'BYPASS_EMBEDDING_AND_RETRIEVAL', false),
    fullContext: bool(env, 'RAG_FULL_CONTEXT', false),
    chunkSize: int(env, 'CHUNK_SIZE', 1000, 1),
    chunkOverlap: int(env, 'CHUNK_OVERLAP', 100, 0),
    textSplitter: oneOf(env, 'RAG_TEXT_SPLITTER', TEXT_SPLITTERS, ''),
    embeddingEngine: oneOf(env, 'RAG_EMBEDDING_ENGINE', EMBEDDING_ENGINES, ''),
    // Empty = no embedding model: retrieval is full-text (BM25) and needs no set-up.
    embeddingModel: str(env, 'RAG_EMBEDDING_MODEL'),
    embeddingBatchSize: int(env, 'RAG_EMBEDDING_BATCH_SIZE', 32, 1, 4096),
    ollamaBaseUrl: str(env, 'RAG_OLLAMA_BASE_URL') || ollamaUrl,
    ollamaApiKey: str(env, 'RAG_OLLAMA_API_KEY'),
    openaiBaseUrl: (str(env, 'RAG_OPENAI_API_BASE_URL') || openaiUrl).replace(/\/+$/, ''),
    openaiApiKey: str(env, 'RAG_OPENAI_API_KEY') || openaiKey,
    rerankerUrl: str(env, 'RAG_EXTERNAL_RERANKER_URL'),
    rerankerApiKey: str(env, 'RAG_EXTERNAL_RERANKER_API_KEY'),
    rerankingModel: str(env, 'RAG_RERANKING_MODEL'),
    /** Megabytes, null = no limit of the admin's (the hard cap below still holds). */
    fileMaxSizeMb: optionalInt(env, 'RAG_FILE_MAX_SIZE'),
    fileMaxCount: optionalInt(env, 'RAG_FILE_MAX_COUNT'),
    allowedExtensions: list(str(env, 'RAG_ALLOWED_FILE_EXTENSIONS'), ',').map((e) => e.replace(/^\./, '').toLowerCase()),
    /** Not in the original: absolute upload cap in bytes, so a disk cannot be filled by one request. */
    uploadHardCapBytes: int(env, 'UPLOAD_MAX_BYTES', 1024 * 1024 * 1024, 1024),
    /** Not in the original: documents processed at once per instance. */
    processingConcurrency: int(env, 'RAG_PROCESSING_CONCURRENCY', 2, 1, 64),
    embeddingConcurrency: int(env, 'RAG_EMBEDDING_CONCURRENCY', 4, 1, 64),
    /** Not in the original: cap on the embedded store's in-memory bit arrays (vector worker), in MB. */
    vectorIndexCacheMb: int(env, 'RAG_VECTOR_INDEX_CACHE_MB', 256, 1, 65536),
  };
}
// ---- end documents & retrieval

export type Config = ReturnType<typeof loadConfig>;

/** The process environment with the given values (when defined) put over it. */
export function withOverrides(overrides: Record<string, string | undefined>): Env {
  const env: Env = { ...process.env };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) env[k] = v;
  return env;
}

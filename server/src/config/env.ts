import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, bool, httpUrl, int, jsonObject, list, oneOf, seconds, str, type Env } from './env-parse.js';
import { userPermissionsFromEnv } from './permissions-env.js';
import { toolsConfig } from './tools-env.js';
import { webSearchConfig } from './websearch-env.js';
import { loadSsoConfig } from './sso.js';
import { mediaConfig } from './media-env.js';
import { chatAppEnv } from './chat-app.js';
import { ragConfig } from './rag-env.js';

/**
 * The one place that reads process.env. Names and defaults follow Open WebUI's env.py/config.py so an
 * existing deployment's environment keeps its meaning. Parsed once at start-up into a nested object;
 * anything invalid stops the process with one line naming the variable (see ConfigError).
 */

export { ConfigError };
export type { Env };

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


export type Config = ReturnType<typeof loadConfig>;

/** The process environment with the given values (when defined) put over it. */
export function withOverrides(overrides: Record<string, string | undefined>): Env {
  const env: Env = { ...process.env };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) env[k] = v;
  return env;
}

import { ConfigError, bool, int, str, type Env } from './env-parse.js';

/**
 * Single sign-on environment: Open WebUI 0.6.34's OAuth/OIDC, LDAP and trusted-header names and
 * defaults (config.py, env.py). OAuth values are env-only here, which is what the original does unless
 * ENABLE_OAUTH_PERSISTENT_CONFIG=true; the LDAP values seed persistent settings (persistent-keys.sso.ts)
 * because the admin UI edits them.
 */

const commaList = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function blockedGroups(env: Env): string[] {
  const raw = str(env, 'OAUTH_BLOCKED_GROUPS', '[]') || '[]';
  try {
    const v: unknown = JSON.parse(raw);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    /* reported below */
  }
  throw new ConfigError('OAUTH_BLOCKED_GROUPS', 'Accepted: a JSON array of group names or patterns, e.g. ["staff","ext-*"].', raw);
}

export function loadSsoConfig(env: Env) {
  const codeChallenge = str(env, 'OAUTH_CODE_CHALLENGE_METHOD');
  if (codeChallenge && codeChallenge !== 'S256') {
    throw new ConfigError('OAUTH_CODE_CHALLENGE_METHOD', 'Accepted: S256 (or empty).', codeChallenge);
  }
  const tokenAuth = str(env, 'OAUTH_TOKEN_ENDPOINT_AUTH_METHOD');
  if (tokenAuth && !['client_secret_basic', 'client_secret_post', 'none'].includes(tokenAuth)) {
    throw new ConfigError('OAUTH_TOKEN_ENDPOINT_AUTH_METHOD', 'Accepted: client_secret_basic, client_secret_post or none.', tokenAuth);
  }
  return {
    oauth: {
      enableSignup: bool(env, 'ENABLE_OAUTH_SIGNUP', false),
      mergeAccountsByEmail: bool(env, 'OAUTH_MERGE_ACCOUNTS_BY_EMAIL', false),
      /** Seconds per IdP request (discovery, token, userinfo). The original has no default; we use 10. */
      timeoutSeconds: int(env, 'OAUTH_TIMEOUT', 10, 1, 600),
      subClaim: str(env, 'OAUTH_SUB_CLAIM'),
      usernameClaim: str(env, 'OAUTH_USERNAME_CLAIM', 'name'),
      pictureClaim: str(env, 'OAUTH_PICTURE_CLAIM', 'picture'),
      emailClaim: str(env, 'OAUTH_EMAIL_CLAIM', 'email'),
      groupsClaim: str(env, 'OAUTH_GROUPS_CLAIM', str(env, 'OAUTH_GROUP_CLAIM', 'groups')),
      enableRoleManagement: bool(env, 'ENABLE_OAUTH_ROLE_MANAGEMENT', false),
      rolesClaim: str(env, 'OAUTH_ROLES_CLAIM', 'roles'),
      allowedRoles: commaList(str(env, 'OAUTH_ALLOWED_ROLES', 'user,admin')),
      adminRoles: commaList(str(env, 'OAUTH_ADMIN_ROLES', 'admin')),
      allowedDomains: commaList(str(env, 'OAUTH_ALLOWED_DOMAINS', '*')),
      enableGroupManagement: bool(env, 'ENABLE_OAUTH_GROUP_MANAGEMENT', false),
      enableGroupCreation: bool(env, 'ENABLE_OAUTH_GROUP_CREATION', false),
      blockedGroups: blockedGroups(env),
      updatePictureOnLogin: bool(env, 'OAUTH_UPDATE_PICTURE_ON_LOGIN', false),
      enableEmailFallback: bool(env, 'ENABLE_OAUTH_EMAIL_FALLBACK', false),
      enableIdTokenCookie: bool(env, 'ENABLE_OAUTH_ID_TOKEN_COOKIE', true),
      /** Key for the IdP tokens kept in `oauth_session`; empty = WEBUI_SECRET_KEY (the original's default). */
      sessionTokenKey: env.OAUTH_SESSION_TOKEN_ENCRYPTION_KEY ?? '',
      oidc: {
        clientId: str(env, 'OAUTH_CLIENT_ID'),
        clientSecret: env.OAUTH_CLIENT_SECRET ?? '',
        providerUrl: str(env, 'OPENID_PROVIDER_URL'),
        redirectUri: str(env, 'OPENID_REDIRECT_URI'),
        scopes: str(env, 'OAUTH_SCOPES', 'openid email profile'),
        providerName: str(env, 'OAUTH_PROVIDER_NAME', 'SSO'),
        tokenEndpointAuthMethod: tokenAuth as '' | 'client_secret_basic' | 'client_secret_post' | 'none',
        codeChallengeMethod: codeChallenge as '' | 'S256',
      },
      google: {
        clientId: str(env, 'GOOGLE_CLIENT_ID'),
        clientSecret: env.GOOGLE_CLIENT_SECRET ?? '',
        scope: str(env, 'GOOGLE_OAUTH_SCOPE', 'openid email profile'),
        redirectUri: str(env, 'GOOGLE_REDIRECT_URI'),
      },
      microsoft: {
        clientId: str(env, 'MICROSOFT_CLIENT_ID'),
        clientSecret: env.MICROSOFT_CLIENT_SECRET ?? '',
        tenantId: str(env, 'MICROSOFT_CLIENT_TENANT_ID'),
        loginBaseUrl: str(env, 'MICROSOFT_CLIENT_LOGIN_BASE_URL', 'https://login.microsoftonline.com').replace(/\/+$/, ''),
        pictureUrl: str(env, 'MICROSOFT_CLIENT_PICTURE_URL', 'https://graph.microsoft.com/v1.0/me/photo/$value'),
        scope: str(env, 'MICROSOFT_OAUTH_SCOPE', 'openid email profile'),
        redirectUri: str(env, 'MICROSOFT_REDIRECT_URI'),
      },
      github: {
        clientId: str(env, 'GITHUB_CLIENT_ID'),
        clientSecret: env.GITHUB_CLIENT_SECRET ?? '',
        scope: str(env, 'GITHUB_CLIENT_SCOPE', 'user:email'),
        redirectUri: str(env, 'GITHUB_CLIENT_REDIRECT_URI'),
      },
    },
    ldap: {
      enable: bool(env, 'ENABLE_LDAP', false),
      label: str(env, 'LDAP_SERVER_LABEL', 'LDAP Server'),
      host: str(env, 'LDAP_SERVER_HOST', 'localhost'),
      port: int(env, 'LDAP_SERVER_PORT', 389, 1, 65535),
      attributeForMail: str(env, 'LDAP_ATTRIBUTE_FOR_MAIL', 'mail'),
      attributeForUsername: str(env, 'LDAP_ATTRIBUTE_FOR_USERNAME', 'uid'),
      appDn: str(env, 'LDAP_APP_DN'),
      appPassword: env.LDAP_APP_PASSWORD ?? '',
      searchBase: str(env, 'LDAP_SEARCH_BASE'),
      searchFilters: str(env, 'LDAP_SEARCH_FILTER', str(env, 'LDAP_SEARCH_FILTERS')),
      useTls: bool(env, 'LDAP_USE_TLS', true),
      caCertFile: str(env, 'LDAP_CA_CERT_FILE'),
      validateCert: bool(env, 'LDAP_VALIDATE_CERT', true),
      ciphers: str(env, 'LDAP_CIPHERS', 'ALL'),
      /** Not in the original: upgrade a plain connection with StartTLS (LDAP_USE_TLS means ldaps://). */
      startTls: bool(env, 'LDAP_USE_STARTTLS', false),
      /** Not in the original: seconds for connect and each operation, so a dead server fails fast. */
      timeoutSeconds: int(env, 'LDAP_TIMEOUT', 10, 1, 600),
      enableGroupManagement: bool(env, 'ENABLE_LDAP_GROUP_MANAGEMENT', false),
      enableGroupCreation: bool(env, 'ENABLE_LDAP_GROUP_CREATION', false),
      attributeForGroups: str(env, 'LDAP_ATTRIBUTE_FOR_GROUPS', 'memberOf'),
    },
    trustedGroupsHeader: str(env, 'WEBUI_AUTH_TRUSTED_GROUPS_HEADER'),
  };
}

export type SsoConfig = ReturnType<typeof loadSsoConfig>;

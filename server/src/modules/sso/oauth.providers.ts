import type { Config } from '../../config/env.js';

/**
 * The sign-in providers configured in the environment, the set and the conditions of the original's
 * load_oauth_providers(): `oidc` (any OpenID Connect provider by discovery: Keycloak, Authentik, Okta,
 * Entra ID via its discovery URL, ...), `google`, `microsoft` and `github` (plain OAuth 2, no discovery).
 */
export interface OAuthProvider {
  /** The `{provider}` segment of /oauth/{provider}/login. */
  id: 'oidc' | 'google' | 'microsoft' | 'github';
  /** What the sign-in button says ("Continue with <name>"). */
  name: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** Fixed redirect URI from the env, else derived from the request (/oauth/{provider}/callback). */
  redirectUri: string;
  /** Discovery document or issuer URL; absent for GitHub (static endpoints). */
  discoveryUrl?: string;
  endpoints?: { authorization: string; token: string; userinfo: string; emails: string };
  /** Claim that identifies the account at the provider. */
  subClaim: string;
  pictureUrl?: string;
  tokenEndpointAuthMethod: '' | 'client_secret_basic' | 'client_secret_post' | 'none';
  pkce: boolean;
}

export function configuredProviders(config: Config): Map<string, OAuthProvider> {
  const o = config.sso.oauth;
  const out = new Map<string, OAuthProvider>();
  const base = { tokenEndpointAuthMethod: '' as const, pkce: true };
  if (o.google.clientId && o.google.clientSecret) {
    out.set('google', {
      ...base,
      id: 'google',
      name: 'google',
      clientId: o.google.clientId,
      clientSecret: o.google.clientSecret,
      scope: o.google.scope,
      redirectUri: o.google.redirectUri,
      discoveryUrl: 'https://accounts.google.com/.well-known/openid-configuration',
      subClaim: o.subClaim || 'sub',
    });
  }
  if (o.microsoft.clientId && o.microsoft.clientSecret && o.microsoft.tenantId) {
    const m = o.microsoft;
    out.set('microsoft', {
      ...base,
      id: 'microsoft',
      name: 'microsoft',
      clientId: m.clientId,
      clientSecret: m.clientSecret,
      scope: m.scope,
      redirectUri: m.redirectUri,
      discoveryUrl: `${m.loginBaseUrl}/${encodeURIComponent(m.tenantId)}/v2.0/.well-known/openid-configuration?appid=${encodeURIComponent(m.clientId)}`,
      subClaim: o.subClaim || 'sub',
      pictureUrl: m.pictureUrl,
    });
  }
  if (o.github.clientId && o.github.clientSecret) {
    out.set('github', {
      ...base,
      // GitHub ignores PKCE parameters on OAuth apps; sending them does no harm but we keep it plain.
      pkce: false,
      id: 'github',
      name: 'github',
      clientId: o.github.clientId,
      clientSecret: o.github.clientSecret,
      scope: o.github.scope,
      redirectUri: o.github.redirectUri,
      endpoints: {
        authorization: 'https://github.com/login/oauth/authorize',
        token: 'https://github.com/login/oauth/access_token',
        userinfo: 'https://api.github.com/user',
        emails: 'https://api.github.com/user/emails',
      },
      subClaim: o.subClaim || 'id',
    });
  }
  const d = o.oidc;
  if (d.clientId && (d.clientSecret || d.codeChallengeMethod) && d.providerUrl) {
    out.set('oidc', {
      id: 'oidc',
      name: d.providerName,
      clientId: d.clientId,
      clientSecret: d.clientSecret,
      scope: d.scopes,
      redirectUri: d.redirectUri,
      discoveryUrl: d.providerUrl,
      subClaim: o.subClaim || 'sub',
      tokenEndpointAuthMethod: d.tokenEndpointAuthMethod || (d.clientSecret ? '' : 'none'),
      // PKCE (S256) on every code flow: it costs nothing and providers that do not know it ignore it.
      pkce: true,
    });
  }
  return out;
}

/** `/api/config` -> `oauth.providers`: provider id -> display name, like the original. */
export function advertisedProviders(providers: Map<string, OAuthProvider>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [id, p] of providers) out[id] = p.name;
  return { ...out };
}

import type * as Oidc from 'openid-client';
import type { OAuthProvider } from './oauth.providers.js';

/**
 * The protocol side of sign-in, on openid-client (certified OpenID relying party; PKCE, state, nonce,
 * ID token signature/issuer/audience/expiry checks). One Configuration per provider, discovered
 * lazily and kept for ten minutes so a key rotation or an IdP that was down at start-up is picked up.
 */

const DISCOVERY_TTL_MS = 10 * 60_000;

// openid-client (and oauth4webapi under it) is imported at the first sign-in, not at start.
let loaded: typeof Oidc | null = null;
async function lib(): Promise<typeof Oidc> {
  return (loaded ??= await import('openid-client'));
}

export interface AuthorizationRequest {
  url: string;
  state: string;
  nonce: string | null;
  codeVerifier: string | null;
}

export interface ProviderTokens {
  accessToken: string;
  idToken: string | null;
  expiresIn: number | null;
  /** ID token claims, already verified. */
  idClaims: Record<string, unknown> | null;
  raw: Record<string, unknown>;
}

/** A failure the user sees on the sign-in page; `kind` says whose fault it is (for logs and status). */
export class OAuthFlowError extends Error {
  constructor(
    readonly kind: 'refused' | 'unreachable' | 'timeout' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'OAuthFlowError';
  }
}

export class OAuthClient {
  #configs = new Map<string, { at: number; config: Promise<Oidc.Configuration> }>();

  constructor(private readonly timeoutSeconds: number) {}

  async #config(p: OAuthProvider): Promise<Oidc.Configuration> {
    const hit = this.#configs.get(p.id);
    if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.config;
    const config = this.#build(p).catch((err) => {
      const e = classify(err);
      // A broken discovery document (HTML error page, 5xx) is the IdP's fault, not the person's.
      throw e.kind === 'invalid' || e.kind === 'refused' ? new OAuthFlowError('unreachable', `The identity provider's configuration could not be loaded (${err instanceof Error ? err.message.slice(0, 150) : 'unknown error'}).`) : e;
    });
    this.#configs.set(p.id, { at: Date.now(), config });
    // A failed discovery is not cached: the next sign-in tries again.
    config.catch(() => this.#configs.delete(p.id));
    return config;
  }

  async #build(p: OAuthProvider): Promise<Oidc.Configuration> {
    const oidc = await lib();
    const auth = clientAuth(oidc, p);
    const insecure = (url: string) => url.startsWith('http://');
    if (p.endpoints) {
      const config = new oidc.Configuration(
        { issuer: new URL(p.endpoints.authorization).origin, authorization_endpoint: p.endpoints.authorization, token_endpoint: p.endpoints.token },
        p.clientId,
        { client_secret: p.clientSecret },
        auth,
      );
      config.timeout = this.timeoutSeconds;
      if (insecure(p.endpoints.token)) oidc.allowInsecureRequests(config);
      return config;
    }
    const url = p.discoveryUrl!;
    // The original's OPENID_PROVIDER_URL is the discovery document itself; an issuer URL works too.
    // Plain http is allowed (an IdP on the same private network, or a test), as the original does.
    return oidc.discovery(new URL(url), p.clientId, { client_secret: p.clientSecret }, auth, {
      timeout: this.timeoutSeconds,
      ...(insecure(url) ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
  }

  async authorizationRequest(p: OAuthProvider, redirectUri: string): Promise<AuthorizationRequest> {
    const oidc = await lib();
    const config = await guard(this.#config(p));
    const state = oidc.randomState();
    const openid = p.scope.split(/\s+/).includes('openid');
    const nonce = openid ? oidc.randomNonce() : null;
    const codeVerifier = p.pkce ? oidc.randomPKCECodeVerifier() : null;
    const params: Record<string, string> = { redirect_uri: redirectUri, scope: p.scope, state, response_type: 'code' };
    if (nonce) params.nonce = nonce;
    if (codeVerifier) {
      params.code_challenge = await oidc.calculatePKCECodeChallenge(codeVerifier);
      params.code_challenge_method = 'S256';
    }
    return { url: oidc.buildAuthorizationUrl(config, params).href, state, nonce, codeVerifier };
  }

  /** Checks the authorization response against what we sent and exchanges the code. */
  async exchangeCode(p: OAuthProvider, callbackUrl: URL, expected: { state: string; nonce: string | null; codeVerifier: string | null }): Promise<ProviderTokens> {
    const oidc = await lib();
    const config = await guard(this.#config(p));
    const tokens = await guard(
      oidc.authorizationCodeGrant(config, callbackUrl, {
        expectedState: expected.state,
        ...(expected.nonce ? { expectedNonce: expected.nonce } : {}),
        ...(expected.codeVerifier ? { pkceCodeVerifier: expected.codeVerifier } : {}),
        idTokenExpected: Boolean(expected.nonce),
      }),
    );
    const idClaims = tokens.id_token ? ((tokens.claims() ?? null) as Record<string, unknown> | null) : null;
    return {
      accessToken: tokens.access_token,
      idToken: tokens.id_token ?? null,
      expiresIn: typeof tokens.expires_in === 'number' ? tokens.expires_in : null,
      idClaims,
      raw: { ...tokens } as Record<string, unknown>,
    };
  }

  async userinfo(p: OAuthProvider, tokens: ProviderTokens): Promise<Record<string, unknown>> {
    const oidc = await lib();
    const config = await guard(this.#config(p));
    if (p.endpoints) return this.#getJson(config, tokens.accessToken, p.endpoints.userinfo);
    const sub = typeof tokens.idClaims?.sub === 'string' ? tokens.idClaims.sub : oidc.skipSubjectCheck;
    return (await guard(oidc.fetchUserInfo(config, tokens.accessToken, sub))) as Record<string, unknown>;
  }

  /** GitHub hides private addresses from /user; /user/emails lists them with the primary flagged. */
  async githubPrimaryEmail(p: OAuthProvider, tokens: ProviderTokens): Promise<string | null> {
    const config = await guard(this.#config(p));
    const list = await this.#getJson(config, tokens.accessToken, p.endpoints!.emails);
    if (!Array.isArray(list)) return null;
    const primary = list.find((e) => e && typeof e === 'object' && (e as { primary?: unknown }).primary === true) as { email?: unknown } | undefined;
    return typeof primary?.email === 'string' ? primary.email : null;
  }

  async endSessionUrl(p: OAuthProvider, idToken: string | null, postLogoutRedirect: string): Promise<string | null> {
    const oidc = await lib();
    const config = await guard(this.#config(p));
    if (!config.serverMetadata().end_session_endpoint) return null;
    const params: Record<string, string> = {};
    if (idToken) params.id_token_hint = idToken;
    if (postLogoutRedirect) params.post_logout_redirect_uri = postLogoutRedirect;
    return oidc.buildEndSessionUrl(config, params).href;
  }

  async #getJson(config: Oidc.Configuration, accessToken: string, url: string): Promise<any> {
    const oidc = await lib();
    const res = await guard(oidc.fetchProtectedResource(config, accessToken, new URL(url), 'GET', undefined, new Headers({ accept: 'application/json' })));
    if (!res.ok) throw new OAuthFlowError('refused', `The identity provider answered ${res.status} to the user information request.`);
    return guard(res.json());
  }
}

function clientAuth(oidc: typeof Oidc, p: OAuthProvider): Oidc.ClientAuth {
  switch (p.tokenEndpointAuthMethod) {
    case 'none':
      return oidc.None();
    case 'client_secret_post':
      return oidc.ClientSecretPost(p.clientSecret);
    default:
      // authlib's (the original's) default.
      return oidc.ClientSecretBasic(p.clientSecret);
  }
}

/** Runs an IdP call and turns any failure into an OAuthFlowError with a message a person can act on. */
async function guard<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw classify(err);
  }
}

export function classify(err: unknown): OAuthFlowError {
  if (err instanceof OAuthFlowError) return err;
  // Not loaded yet: nothing can have thrown one of its errors.
  const oidc = loaded;
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (oidc && (e instanceof oidc.AuthorizationResponseError || e instanceof oidc.ResponseBodyError)) {
      const desc = e.error_description ? `: ${e.error_description}` : '';
      return new OAuthFlowError('refused', `The identity provider refused the sign-in (${e.error}${desc}).`);
    }
    // GitHub answers a bad code or client with 200 and an `error` body; oauth4webapi keeps that body.
    const body = (e as { body?: { error?: unknown; error_description?: unknown } }).body;
    if (body && typeof body.error === 'string') {
      const desc = typeof body.error_description === 'string' ? `: ${body.error_description.slice(0, 200)}` : '';
      return new OAuthFlowError('refused', `The identity provider refused the sign-in (${body.error.slice(0, 100)}${desc}).`);
    }
    if (oidc && e instanceof oidc.WWWAuthenticateChallengeError) {
      const code = e.cause[0]?.parameters.error ?? 'unauthorized';
      return new OAuthFlowError('refused', `The identity provider refused the sign-in (${code}).`);
    }
    const name = (e as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new OAuthFlowError('timeout', 'The identity provider did not answer in time. Please try again later.');
    }
    const code = (e as { code?: string }).code;
    if (code && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(code)) {
      return new OAuthFlowError('unreachable', 'Could not reach the identity provider. Please try again later.');
    }
    if (e instanceof TypeError && /fetch failed/i.test(e.message)) {
      return new OAuthFlowError('unreachable', 'Could not reach the identity provider. Please try again later.');
    }
  }
  // openid-client wraps oauth4webapi's error, whose message names the check (e.g. the ID token's
  // "nonce" claim): report the innermost message.
  let inner: unknown = err;
  for (let i = 0; i < 4 && (inner as { cause?: unknown })?.cause instanceof Error; i++) inner = (inner as { cause: Error }).cause;
  const msg = inner instanceof Error ? inner.message : String(err);
  return new OAuthFlowError('invalid', `The sign-in response could not be verified (${msg.slice(0, 200)}).`);
}

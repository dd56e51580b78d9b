/**
 * A real OpenID Provider for the tests: `oidc-provider` (the certified Node implementation) on a
 * loopback port, with one confidential client, accounts with name/email/roles/groups claims, and a
 * plain HTML login form at the interaction step (what a person fills in at their IdP). Knobs make it
 * slow or stop it, to test what the app does when its IdP misbehaves.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

export interface IdpAccount {
  password: string;
  name: string;
  email: string;
  roles?: string[];
  groups?: string[];
}

export interface TestIdp {
  issuer: string;
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
  /** Registered with token_endpoint_auth_method "none". */
  publicClientId: string;
  accounts: Map<string, IdpAccount>;
  /** Milliseconds to wait before answering requests whose path matches `slowPaths` (all when empty). */
  delay: { ms: number; paths: string[] };
  /** Number of requests seen per path, e.g. to prove a code was exchanged once. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `redirectUris` is read when the IdP answers its first request, so the app can be started after it. */
export async function startTestIdp(opts: { redirectUris: () => string[]; postLogoutRedirectUris?: () => string[]; accounts: Record<string, IdpAccount>; host?: string; /** Issuer path, e.g. Entra ID's /<tenant>/v2.0. */ prefix?: string }): Promise<TestIdp> {
  const accounts = new Map(Object.entries(opts.accounts));
  const delay = { ms: 0, paths: [] as string[] };
  const hits = new Map<string, number>();
  const clientId = 'owui-test-client';
  const clientSecret = 'owui-test-client-secret-0123456789abcdef';
  const host = opts.host ?? '127.0.0.1';

  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const prefix = opts.prefix ?? '';
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}${prefix}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', use: 'sig', alg: 'RS256' };

  const build = () => new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: opts.redirectUris(),
        post_logout_redirect_uris: opts.postLogoutRedirectUris?.() ?? [],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        // A public client (no secret; PKCE is its only proof), as OAUTH_CODE_CHALLENGE_METHOD=S256 sets up.
        client_id: `${clientId}-public`,
        redirect_uris: opts.redirectUris(),
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['test-idp-cookie-key-0123456789'] },
    ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture', 'roles', 'groups'] },
    pkce: { required: () => true, methods: ['S256'] },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const a = accounts.get(id);
      if (!a) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, name: a.name, email: a.email, email_verified: true, ...(a.roles ? { roles: a.roles } : {}), ...(a.groups ? { groups: a.groups } : {}) };
        },
      };
    },
  });
  let provider: Provider | null = null;
  let callback: ReturnType<Provider['callback']>;

  server.on('request', async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (delay.ms && (!delay.paths.length || delay.paths.some((p) => path.startsWith(p)))) await new Promise((r) => setTimeout(r, delay.ms));
    try {
      if (!provider) {
        provider = build();
        callback = provider.callback();
      }
      const m = /^\/interaction\/([^/]+)(\/login)?$/.exec(path);
      if (!m) {
        // Mounted under the issuer's path: the provider sees paths relative to it (like Express's app.use).
        if (prefix && req.url!.startsWith(prefix)) {
          (req as { originalUrl?: string }).originalUrl = req.url;
          req.url = req.url!.slice(prefix.length) || '/';
        }
        return callback(req, res);
      }
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET') {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        return res.end(`<!doctype html><title>Test IdP sign-in</title>
<form method="post" action="/interaction/${esc(details.uid)}/login">
<input name="login" data-testid="idp-login" autocomplete="username"><input name="password" type="password" data-testid="idp-password">
<button type="submit" data-testid="idp-submit">Sign in</button></form>`);
      }
      const body = new URLSearchParams(await new Promise<string>((r) => {
        let s = '';
        req.on('data', (d) => (s += d));
        req.on('end', () => r(s));
      }));
      const id = body.get('login') ?? '';
      const account = accounts.get(id);
      if (!account || account.password !== body.get('password')) {
        res.statusCode = 401;
        return res.end('wrong login or password');
      }
      const grant = new provider.Grant({ accountId: id, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: id }, consent: { grantId } }, { mergeWithLastSubmission: false });
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });

  return {
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    clientId,
    clientSecret,
    publicClientId: `${clientId}-public`,
    accounts,
    delay,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A minimal browser for fetch: one cookie jar per origin, redirects followed by hand. */
export class Browser {
  #jars = new Map<string, Map<string, string>>();

  cookies(url: string): Map<string, string> {
    const origin = new URL(url).origin;
    let jar = this.#jars.get(origin);
    if (!jar) this.#jars.set(origin, (jar = new Map()));
    return jar;
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const jar = this.cookies(url);
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /** Follows redirects until a non-redirect answer or a URL `stop` accepts (not fetched); every hop listed. */
  async follow(url: string, stop: (u: string) => boolean = () => false, init: RequestInit = {}): Promise<{ url: string; res: Response; hops: string[] }> {
    return this.chase(await this.fetch(url, init), url, stop);
  }

  async chase(first: Response, from: string, stop: (u: string) => boolean = () => false): Promise<{ url: string; res: Response; hops: string[] }> {
    const hops: string[] = [];
    let current = from;
    let res = first;
    for (let i = 0; i < 20; i++) {
      const loc = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !loc) break;
      current = new URL(loc, current).href;
      hops.push(current);
      await res.body?.cancel();
      if (stop(current)) break;
      res = await this.fetch(current);
    }
    return { url: current, res, hops };
  }
}

import type { ToolSpec, UserModel } from '@owui/contracts';
import { perContext, type AppContext } from '../../context.js';
import { safeFetch, SafeFetchError, type SafeFetchPolicy } from '../../net/safe-fetch.js';
import { TokenService } from '../auths/tokens.js';
import { openapiToToolSpecs, toolServerUrl } from './openapi-tools.js';

/**
 * Admin-configured tool servers (TOOL_SERVER_CONNECTIONS): their ids, their OpenAPI specs (fetched and
 * cached), and the auth headers a call carries. Admin servers are trusted as configured, so their
 * URLs may be private; per-user ("direct") servers are not (see tool-set.ts).
 */

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

export interface OpenApiServerData {
  id: string;
  idx: number;
  url: string;
  openapi: Json;
  info: Json;
  specs: ToolSpec[];
}

const SPEC_TTL_MS = 5 * 60_000;
const FAILED_SPEC_TTL_MS = 60_000;
const SESSION_TOKEN_MS = 10 * 60_000;

export const connectionType = (c: Json): string => (typeof c.type === 'string' && c.type ? c.type : 'openapi');
export const connectionEnabled = (c: Json): boolean => isObj(c.config) && c.config.enable === true;
const infoOf = (c: Json): Json => (isObj(c.info) ? c.info : {});

/** The id a connection is known by: `info.id`, else its position (the original's rule for OpenAPI servers). */
export function connectionId(c: Json, idx: number): string {
  const id = infoOf(c).id;
  return typeof id === 'string' && id ? id : connectionType(c) === 'mcp' ? '' : String(idx);
}

export class ToolServersService {
  readonly #ctx: AppContext;
  readonly #specs = new Map<string, { at: number; data?: Json; error?: string }>();
  /** Fetches under way, so concurrent listings of a slow server wait for one request, not one each. */
  readonly #inflight = new Map<string, Promise<void>>();
  readonly #tokens: TokenService;

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
    this.#tokens = new TokenService(ctx.secretKey);
    // A saved change (here or on another instance) invalidates what was fetched for the old list.
    ctx.settings.onChange((keys) => {
      if (keys.includes('TOOL_SERVER_CONNECTIONS')) this.#specs.clear();
    });
  }

  static for(ctx: AppContext): ToolServersService {
    return perContext(ctx, ToolServersService);
  }

  get limits() {
    return this.#ctx.config.tools;
  }

  get ctx(): AppContext {
    return this.#ctx;
  }

  get ctxSettings() {
    return this.#ctx.settings;
  }

  get ctxConfig() {
    return this.#ctx.config;
  }

  connections(): Json[] {
    return this.#ctx.settings.get('TOOL_SERVER_CONNECTIONS');
  }

  adminPolicy(): SafeFetchPolicy {
    return { allowPrivate: true, verifyTls: this.#ctx.config.tools.verifyTls };
  }

  /** Authorization header for a call as `user`, by the connection's auth type. */
  async authHeaders(c: Json, user: UserModel, fallback: 'bearer' | 'none'): Promise<Record<string, string>> {
    const auth = typeof c.auth_type === 'string' && c.auth_type ? c.auth_type : fallback;
    if (auth === 'bearer') return typeof c.key === 'string' && c.key ? { authorization: `Bearer ${c.key}` } : {};
    if (auth === 'session') {
      // The original forwards the caller's own token; a fresh short-lived one for the same user is
      // equivalent and also works for replies produced in the background.
      const { token } = await this.#tokens.create(user.id, SESSION_TOKEN_MS);
      return { authorization: `Bearer ${token}` };
    }
    return {}; // none; system_oauth / oauth_2.1 need OAuth sign-in, which this build does not have
  }

  /** Fetches an OpenAPI document (JSON) under the spec timeout and the size cap. */
  async fetchSpec(url: string, headers: Record<string, string>, policy: SafeFetchPolicy): Promise<Json> {
    const res = await safeFetch(url, {
      ...policy,
      headers: { accept: 'application/json', ...headers },
      timeoutMs: this.limits.specTimeoutSeconds * 1000,
      maxBytes: this.limits.maxResultBytes * 4,
    });
    if (!res.ok) throw new Error(`HTTP error ${res.status} fetching ${url}`);
    let spec: unknown;
    try {
      spec = res.json();
    } catch {
      throw new Error(`The tool server at ${url} did not return a JSON OpenAPI document`);
    }
    if (!isObj(spec) || !isObj(spec.paths)) throw new Error(`The document at ${url} is not an OpenAPI specification`);
    return spec;
  }

  /** An enabled admin OpenAPI server's data, from the cache or fetched now. Throws with a readable reason. */
  async openapiServer(idx: number, user: UserModel): Promise<OpenApiServerData> {
    const c = this.connections()[idx];
    if (!c) throw new Error('Tool server not found');
    const key = JSON.stringify(c);
    const cached = this.#specs.get(key);
    const fresh = cached && Date.now() - cached.at < (cached.error ? FAILED_SPEC_TTL_MS : SPEC_TTL_MS);
    if (!fresh) {
      let pending = this.#inflight.get(key);
      if (!pending) {
        pending = this.#fetchEntry(key, c, user).finally(() => this.#inflight.delete(key));
        this.#inflight.set(key, pending);
      }
      await pending;
    }
    const entry = this.#specs.get(key) ?? { at: 0, error: 'Tool server unavailable' };
    if (!entry.data) throw new Error(entry.error ?? 'Tool server unavailable');
    const openapi = structuredClone(entry.data);
    const info: Json = isObj(openapi.info) ? openapi.info : {};
    const ci = infoOf(c);
    if (typeof ci.name === 'string' && ci.name) info.title = ci.name;
    if (typeof ci.description === 'string' && ci.description) info.description = ci.description;
    openapi.info = info;
    return { id: connectionId(c, idx), idx, url: String(c.url ?? ''), openapi, info, specs: openapiToToolSpecs(openapi) };
  }

  async #fetchEntry(key: string, c: Json, user: UserModel): Promise<void> {
    const entry: { at: number; data?: Json; error?: string } = { at: Date.now() };
    try {
      if (c.spec_type === 'json') {
        const parsed: unknown = JSON.parse(typeof c.spec === 'string' ? c.spec : '');
        if (!isObj(parsed)) throw new Error('The JSON spec is not an object');
        entry.data = parsed;
      } else {
        const path = typeof c.path === 'string' && c.path ? c.path : 'openapi.json';
        entry.data = await this.fetchSpec(toolServerUrl(String(c.url ?? ''), path), await this.authHeaders(c, user, 'bearer'), this.adminPolicy());
      }
    } catch (err) {
      entry.error = describeError(err);
    }
    this.#specs.set(key, entry);
  }

  /** Every enabled OpenAPI server that answers (the original's get_tool_servers_data: failures are skipped). */
  async openapiServers(user: UserModel): Promise<OpenApiServerData[]> {
    const all = this.connections().map((c, idx) => ({ c, idx }));
    const wanted = all.filter(({ c }) => connectionEnabled(c) && connectionType(c) === 'openapi');
    const settled = await Promise.allSettled(wanted.map(({ idx }) => this.openapiServer(idx, user)));
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }
}

export function describeError(err: unknown): string {
  if (err instanceof SafeFetchError) {
    if (err.code === 'timeout') return 'The tool server did not answer in time';
    if (err.code === 'too_large') return 'The tool server answered with more data than allowed';
    return err.message;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return msg || 'Tool server error';
}

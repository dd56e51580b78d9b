import net from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch, type Dispatcher, type Response as UndiciResponse } from 'undici';
import { isBlockedAddress } from './address-policy.js';

/**
 * The one outbound client for URLs that come from users or admins (web pages, tool servers, image URLs).
 *
 * The address check happens inside the connector: the name is resolved once, every address is checked,
 * and the socket is opened to exactly the checked address. There is no second lookup that a DNS rebinding
 * answer could change. Because every connection passes the connector, redirects and keep-alive reuse are
 * covered too. Redirects are still followed by hand, to bound them and to drop credentials when the origin
 * changes.
 */

export type SafeFetchErrorCode =
  | 'bad_url' // not http(s), or carries user:pass
  | 'blocked_address' // resolves to a refused address
  | 'dns_failed'
  | 'connect_failed'
  | 'too_many_redirects'
  | 'timeout'
  | 'too_large';

export class SafeFetchError extends Error {
  constructor(
    readonly code: SafeFetchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SafeFetchError';
  }
}

export type ResolvedAddress = { address: string; family: number };

export interface SafeFetchPolicy {
  /** Skip the address check (ENABLE_RAG_LOCAL_WEB_FETCH, or an admin-configured server). */
  allowPrivate?: boolean;
  /** Verify TLS certificates (AIOHTTP_CLIENT_SESSION_SSL); default true. */
  verifyTls?: boolean;
  /** Name resolution; default the system resolver (all addresses). A seam for tests. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  /** Replaces the built-in address rule (true = may connect). A seam for tests; production uses the default. */
  isAllowedAddress?: (address: string, port: number) => boolean;
}

export interface SafeFetchInit extends SafeFetchPolicy {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** Whole exchange including redirects and body; default 30 s; null = none (streams bounded elsewhere). */
  timeoutMs?: number | null;
  /** Default 5. */
  maxRedirects?: number;
  /** Cap on the response body (buffered fetch only); default 10 MiB. */
  maxBytes?: number;
}

export interface SafeResponse {
  status: number;
  ok: boolean;
  /** The final URL after redirects. */
  url: string;
  headers: Headers;
  body: Buffer;
  text(): string;
  /** Parses the body; throws SyntaxError on garbage. */
  json(): unknown;
}

// node:dns is loaded at the first lookup, not with the server (a start resolves no name).
const systemResolve = async (hostname: string): Promise<ResolvedAddress[]> =>
  (await import('node:dns/promises')).lookup(hostname, { all: true, verbatim: true });

async function pickAddresses(hostname: string, port: number, policy: SafeFetchPolicy): Promise<string[]> {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  let addresses: ResolvedAddress[];
  if (net.isIP(host)) addresses = [{ address: host, family: net.isIP(host) }];
  else {
    try {
      addresses = await (policy.resolve ?? systemResolve)(host);
    } catch {
      throw new SafeFetchError('dns_failed', `Could not resolve ${host}`);
    }
    if (addresses.length === 0) throw new SafeFetchError('dns_failed', `Could not resolve ${host}`);
  }
  if (policy.allowPrivate) return addresses.map((a) => a.address);
  const allowed = policy.isAllowedAddress ?? ((a: string) => !isBlockedAddress(a));
  // One refused address refuses the name: a host that answers with both a public and a private address
  // is either misconfigured or trying to get us to pick the private one.
  for (const a of addresses) {
    if (!allowed(a.address, port)) {
      throw new SafeFetchError('blocked_address', `Refused to connect to ${host}: it resolves to a private or reserved address`);
    }
  }
  return addresses.map((a) => a.address);
}

const RETRY_NEXT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

/** An undici Agent whose every connection goes through the address check. */
export function createSafeDispatcher(policy: SafeFetchPolicy = {}): Agent {
  const base = buildConnector({ rejectUnauthorized: policy.verifyTls !== false, timeout: 10_000 });
  const connect: buildConnector.connector = (opts, callback) => {
    const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
    // Every address was checked; they are tried in order, so a name with an IPv6 and an IPv4 answer
    // (localhost) still reaches a server that listens on only one of them.
    const attempt = (addresses: string[], i: number): void => {
      // `host` (original name) stays as is, so TLS SNI and certificate checks use the name, not the IP.
      base({ ...opts, hostname: addresses[i]! }, (err, socket) => {
        if (err && i + 1 < addresses.length && RETRY_NEXT.has(String((err as NodeJS.ErrnoException).code))) return attempt(addresses, i + 1);
        if (err) callback(err, null);
        else callback(null, socket!);
      });
    };
    pickAddresses(opts.hostname, port, policy).then(
      (addresses) => attempt(addresses, 0),
      (err: Error) => callback(err, null),
    );
  };
  return new Agent({ connect, keepAliveTimeout: 10_000 });
}

// Shared agents for the policies without test seams (keep-alive across calls).
const shared = new Map<string, Agent>();
function dispatcherFor(policy: SafeFetchPolicy): { dispatcher: Dispatcher; owned: boolean } {
  if (policy.resolve || policy.isAllowedAddress) return { dispatcher: createSafeDispatcher(policy), owned: true };
  const key = `${policy.allowPrivate ? 1 : 0}${policy.verifyTls === false ? 0 : 1}`;
  let agent = shared.get(key);
  if (!agent) {
    agent = createSafeDispatcher({ allowPrivate: policy.allowPrivate, verifyTls: policy.verifyTls });
    shared.set(key, agent);
  }
  return { dispatcher: agent, owned: false };
}

// Headers that may follow a redirect to another origin; everything else (Authorization, Cookie, API keys
// in custom headers) stays with the origin it was meant for.
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-language', 'user-agent', 'content-type']);

function parseUrl(raw: string | URL): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SafeFetchError('bad_url', 'Invalid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SafeFetchError('bad_url', 'Only http and https URLs are allowed');
  if (url.username || url.password) throw new SafeFetchError('bad_url', 'URLs with credentials are not allowed');
  return url;
}

function unwrap(err: unknown, timedOut: () => boolean): SafeFetchError {
  if (err instanceof SafeFetchError) return err;
  if (timedOut()) return new SafeFetchError('timeout', 'The request timed out');
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof SafeFetchError) return cause;
  if (cause && typeof cause === 'object' && 'cause' in cause && cause.cause instanceof SafeFetchError) return cause.cause;
  const msg = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
  return new SafeFetchError('connect_failed', `Connection failed: ${msg}`);
}

interface Exchange {
  response: UndiciResponse;
  url: string;
  timedOut: () => boolean;
  cleanup: () => void;
}

/** Sends the request and follows redirects by hand. The caller reads (or cancels) the final body. */
async function exchange(rawUrl: string | URL, init: SafeFetchInit, fixed?: Dispatcher): Promise<Exchange> {
  let url = parseUrl(rawUrl);
  const { dispatcher, owned } = fixed ? { dispatcher: fixed, owned: false } : dispatcherFor(init);
  const timeout = init.timeoutMs === null ? null : AbortSignal.timeout(init.timeoutMs ?? 30_000);
  const signals = [init.signal, timeout].filter((s): s is AbortSignal => !!s);
  const signal = signals.length ? AbortSignal.any(signals) : undefined;
  const timedOut = () => !!timeout?.aborted;
  const cleanup = () => {
    if (owned) void dispatcher.destroy().catch(() => {});
  };
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  let headers = { ...init.headers };
  const maxRedirects = init.maxRedirects ?? 5;
  try {
    for (let hop = 0; ; hop++) {
      const response = await undiciFetch(url, { method, headers, body, redirect: 'manual', signal, dispatcher });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status > 399 || response.status === 304 || !location) {
        return { response, url: url.href, timedOut, cleanup };
      }
      await response.body?.cancel().catch(() => {});
      if (hop >= maxRedirects) throw new SafeFetchError('too_many_redirects', `More than ${maxRedirects} redirects`);
      const next = parseUrl(new URL(location, url));
      if (next.origin !== url.origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => CROSS_ORIGIN_HEADERS.has(k.toLowerCase())));
      }
      // Like browsers: 303 always, and 301/302 after a POST, continue as a GET without a body.
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        if (method !== 'HEAD') method = 'GET';
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'content-type'));
      }
      url = next;
    }
  } catch (err) {
    cleanup();
    throw unwrap(err, timedOut);
  }
}

/** Fetches a user-given URL and buffers the body under a cap. Throws SafeFetchError; HTTP errors are returned. */
export async function safeFetch(rawUrl: string | URL, init: SafeFetchInit = {}): Promise<SafeResponse> {
  const { response, url, timedOut, cleanup } = await exchange(rawUrl, init);
  const maxBytes = init.maxBytes ?? 10 * 1024 * 1024;
  try {
    const declared = Number(response.headers.get('content-length') ?? '');
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw new SafeFetchError('too_large', `Response larger than ${maxBytes} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    if (response.body) {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          await response.body.cancel().catch(() => {});
          throw new SafeFetchError('too_large', `Response larger than ${maxBytes} bytes`);
        }
        chunks.push(Buffer.from(chunk));
      }
    }
    const buf = Buffer.concat(chunks);
    return {
      status: response.status,
      ok: response.ok,
      url,
      headers: response.headers as unknown as Headers,
      body: buf,
      text: () => buf.toString('utf8'),
      json: () => JSON.parse(buf.toString('utf8')) as unknown,
    };
  } catch (err) {
    throw unwrap(err, timedOut);
  } finally {
    cleanup();
  }
}

/**
 * A `fetch`-compatible function with the same guard, for libraries that take one (the MCP SDK's
 * transports). The body is streamed and there is no total time limit unless `timeoutMs` is given: the
 * caller bounds its requests (the MCP SDK has a per-request timeout). With a test seam in `policy`, the
 * returned function keeps its own agent for its lifetime.
 */
export function createSafeFetch(policy: Omit<SafeFetchInit, 'method' | 'headers' | 'body' | 'signal'> = {}): typeof fetch {
  const { dispatcher } = dispatcherFor(policy);
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' || input instanceof URL ? input : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new TypeError('safe fetch: only string or bytes bodies are supported');
    }
    const { response } = await exchange(
      url,
      { timeoutMs: null, ...policy, method: init?.method, headers, body: body ?? undefined, signal: init?.signal ?? undefined },
      dispatcher,
    );
    return response as unknown as Response;
  }) as typeof fetch;
}

/**
 * Shared HTTP layer for every LLM upstream (Ollama and OpenAI-compatible servers).
 *
 * Exported API
 * - `upstreamsFor(ctx): Upstreams` — the process-wide instance for an app context (created on first use).
 *   `closeUpstreamsFor(ctx)` closes its pools; idempotent, call it from an app `onClose` hook.
 * - `Upstreams#request(req: UpstreamRequest): Promise<UpstreamResponse>` — one HTTP call.
 *     req.url       full URL (`http://host:11434/api/chat`); the origin picks the keep-alive pool
 *     req.method    default GET, or POST when a body is given
 *     req.key       sent as `Authorization: Bearer <key>` when non-empty
 *     req.headers   extra headers (lower-case names win over defaults)
 *     req.json      a value sent as JSON (sets content-type), or
 *     req.body      raw string | Buffer | Readable sent as is
 *     req.kind      'generation' (AIOHTTP_CLIENT_TIMEOUT) or 'list' (AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST);
 *                   the limit covers the whole exchange, body included (like aiohttp's total timeout:
 *                   an upstream trickling a byte now and then is still cut). A generation call also has
 *                   an idle limit (UPSTREAM_IDLE_TIMEOUT) on the wait for headers and each silence
 *                   between chunks. Cut before headers: the call rejects with a 'timeout' UpstreamError
 *                   (504); after: the body stream errors with one, and relays end with an in-band error.
 *     req.timeoutMs overrides the kind's limit (null = none)
 *     req.signal    aborts the call (and a body being streamed) at once — wire it to client disconnect
 *   Resolves once headers arrive, whatever the status: callers decide what a 4xx/5xx means.
 *   Rejects with `UpstreamError` (kind 'connect' | 'timeout' | 'aborted' | 'protocol').
 * - `UpstreamResponse`: `status`, `headers` (lower-case), `body` (a Node Readable; iterate it to stream
 *   with backpressure), `json()`, `text()`, `ok`, `dump()` to discard the body.
 * - `upstreamErrorMessage(res)`: reads a failed response and returns the text a user should see
 *   (`{"error": "..."}`, `{"error": {"message": ...}}`, `{"detail": ...}` or the raw text), or null.
 * - `UpstreamError#isTimeout` etc. and `describeUpstreamError(err)` for log/user text.
 * Streams relayed to a Fastify reply: see ./stream-relay.ts.
 */
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { Pool, errors as undiciErrors } from 'undici';
import type { AppContext } from '../context.js';
import { dict } from '../security/own-keys.js';
import { ApiError } from '../errors/api-error.js';
import { isWholeJson } from './whole-json.js';

export type UpstreamKind = 'generation' | 'list';

/** Largest upstream body `json()` / `text()` read into memory (streams are relayed, never buffered). */
export const MAX_BUFFERED_BODY = 64 * 1024 * 1024;

/**
 * What `signal` must offer: an AbortSignal, or a lighter stand-in (./client-abort.ts) that holds the
 * one listener a call registers.
 */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface UpstreamRequest {
  url: string;
  method?: string;
  key?: string | null;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string | Buffer | Readable;
  kind?: UpstreamKind;
  timeoutMs?: number | null;
  signal?: AbortLike;
}

export interface UpstreamResponse {
  status: number;
  ok: boolean;
  headers: Record<string, string>;
  body: Readable;
  json<T = unknown>(): Promise<T>;
  /** The body's text, refused like json() unless isWholeJson passes: for a reply relayed as it came. */
  jsonText(): Promise<string>;
  text(): Promise<string>;
  dump(): Promise<void>;
}

export type UpstreamErrorKind = 'connect' | 'timeout' | 'aborted' | 'protocol';

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpstreamError';
  }
  get isTimeout() {
    return this.kind === 'timeout';
  }
}

export interface UpstreamOptions {
  /** Seconds; null = no limit. */
  generationSeconds: number | null;
  /** Longest silence of a generation call (headers, gap between chunks); null = none. */
  idleSeconds?: number | null;
  listSeconds: number;
  verifyTls: boolean;
}

const CONNECT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
};

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A body stream failure that is a timeout: our total limit, or undici's idle (body) timeout. */
export function isUpstreamTimeout(err: unknown): boolean {
  if (err instanceof UpstreamError) return err.isTimeout;
  const code = (err as { code?: string } | null)?.code;
  return code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT';
}

/** Detail for an upstream reply that should be JSON and is not. */
export function upstreamInvalidJson(url: string): string {
  return `The upstream server (${hostOf(url)}) sent a reply that is not valid JSON`;
}

/** Turns whatever undici threw into an UpstreamError with a message a user can act on. */
function classify(err: unknown, url: string, timedOut: boolean, aborted: boolean): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const e = err as { code?: string; cause?: { code?: string }; message?: string; name?: string };
  const code = e?.code ?? e?.cause?.code ?? '';
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new UpstreamError('timeout', `Timed out waiting for ${hostOf(url)}`, url, { cause: err });
  }
  if (aborted || e?.name === 'AbortError' || code === 'UND_ERR_ABORTED') {
    return new UpstreamError('aborted', 'Request aborted', url, { cause: err });
  }
  if (code in CONNECT_CODES) {
    return new UpstreamError('connect', `Cannot connect to host ${hostOf(url)} (${CONNECT_CODES[code]})`, url, { cause: err });
  }
  if (err instanceof undiciErrors.UndiciError || code) {
    return new UpstreamError('protocol', `${hostOf(url)}: ${e?.message ?? code}`, url, { cause: err });
  }
  return new UpstreamError('connect', `Cannot connect to host ${hostOf(url)} (${e?.message ?? 'unknown error'})`, url, { cause: err });
}

/**
 * The abort handle undici watches for one call. undici takes an EventEmitter as well as an AbortSignal;
 * an AbortController (an EventTarget, and another listener on the caller's signal) cost several
 * microseconds per call on a path that runs per chat request.
 */
class CallAbort extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/** A parsed upstream URL: `new URL()` per call is measurable, and the same few URLs come back every call. */
interface Target {
  origin: string;
  path: string;
}
const TARGETS_MAX = 512; // bounded: proxied paths come from clients
const targets = new Map<string, Target>();

function parseTarget(url: string): Target | null {
  let t = targets.get(url);
  if (t) return t;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  t = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
  if (targets.size >= TARGETS_MAX) targets.clear();
  targets.set(url, t);
  return t;
}

export class Upstreams {
  #pools = new Map<string, Pool>();
  #closed = false;

  constructor(readonly options: UpstreamOptions) {}

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        connect: { rejectUnauthorized: this.options.verifyTls, timeout: this.options.listSeconds * 1000 },
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  #limitMs(req: UpstreamRequest): number | null {
    if (req.timeoutMs !== undefined) return req.timeoutMs;
    const s = req.kind === 'list' ? this.options.listSeconds : this.options.generationSeconds;
    return s === null ? null : Math.round(s * 1000);
  }

  #idleMs(): number | null {
    const s = this.options.idleSeconds === undefined ? this.options.generationSeconds : this.options.idleSeconds;
    return s === null ? null : Math.round(s * 1000);
  }

  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    if (this.#closed) throw new UpstreamError('aborted', 'Upstream client is closed', req.url);
    const parsed = parseTarget(req.url);
    if (!parsed) throw new UpstreamError('connect', `Invalid upstream URL: ${req.url}`, req.url);
    const headers: Record<string, string> = {};
    let body: string | Buffer | Readable | undefined = req.body;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    }
    if (req.key) headers.authorization = `Bearer ${req.key}`;
    // for-in, not Object.entries: no pair arrays per header on every call.
    const given = req.headers;
    if (given) for (const k in given) headers[k.toLowerCase()] = given[k]!;

    const limit = this.#limitMs(req);
    const controller = new CallAbort();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => controller.abort(req.signal?.reason);
    if (req.signal?.aborted) throw new UpstreamError('aborted', 'Request aborted', req.url);
    req.signal?.addEventListener('abort', onAbort, { once: true });
    // Every call must finish (body included) within its budget: a list so one slow server cannot hold up
    // a merged list, a generation as AIOHTTP_CLIENT_TIMEOUT promises.
    let stream: Readable | null = null;
    if (limit !== null) {
      timer = setTimeout(() => {
        timedOut = true;
        if (stream) stream.destroy(new UpstreamError('timeout', `Timed out: ${hostOf(req.url)} did not finish the response within ${limit / 1000} s`, req.url));
        else controller.abort();
      }, limit);
      timer.unref();
    }
    const idle = req.kind === 'list' || req.timeoutMs !== undefined ? limit : this.#idleMs();
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    };

    try {
      const res = await this.#pool(parsed.origin).request({
        path: parsed.path,
        method: (req.method ?? (body !== undefined ? 'POST' : 'GET')) as 'GET',
        headers,
        body,
        signal: controller,
        headersTimeout: idle ?? 0,
        bodyTimeout: idle ?? 0,
      });
      const flat: Record<string, string> = dict(); // header names come from the upstream
      const got = res.headers;
      for (const k in got) {
        const v = got[k];
        if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      stream = res.body as unknown as Readable;
      stream.once('close', cleanup);
      const wrap = <T>(p: Promise<T>) =>
        p.catch((err: unknown) => {
          if (err instanceof ApiError) throw err;
          throw classify(err, req.url, timedOut, controller.aborted && !timedOut);
        });
      // Whole bodies read into memory are capped; a bigger one is the upstream's fault (502). Plain
      // stream events: an async iterator costs several promises and an end-of-stream watcher per body.
      const readText = (): Promise<string> =>
        new Promise<string>((resolve, reject) => {
          const body = stream!;
          const parts: Buffer[] = [];
          let size = 0;
          body.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BUFFERED_BODY) {
              reject(new ApiError(502, `The upstream server (${hostOf(req.url)}) sent a reply larger than ${MAX_BUFFERED_BODY / 1048576} MiB`));
              body.destroy();
              return;
            }
            parts.push(chunk);
          });
          let ended = false;
          body.once('end', () => {
            ended = true;
            resolve(parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts, size).toString('utf8'));
          });
          body.once('error', reject);
          // Destroyed without an error: the same failure as a premature close. ('close' follows every
          // 'end' too; an Error, with its stack, is only built when it is needed.)
          body.once('close', () => {
            if (!ended) reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
          });
        });
      return {
        status: res.statusCode,
        ok: res.statusCode >= 200 && res.statusCode < 300,
        headers: flat,
        body: stream,
        // A body that is not JSON (an HTML error page, a truncated reply) is the upstream's fault: 502.
        json: <T>() =>
          wrap(readText()).then((text) => {
            try {
              return JSON.parse(text) as T;
            } catch {
              throw new ApiError(502, upstreamInvalidJson(req.url));
            }
          }),
        jsonText: () =>
          wrap(readText()).then((text) => {
            if (!isWholeJson(text)) throw new ApiError(502, upstreamInvalidJson(req.url));
            return text;
          }),
        text: () => wrap(readText()),
        dump: () => res.body.dump().catch(() => undefined),
      };
    } catch (err) {
      cleanup();
      throw classify(err, req.url, timedOut, controller.aborted && !timedOut);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

/** Reads a non-2xx body (at most what the server sends) and picks the human text out of it. */
export async function upstreamErrorMessage(res: UpstreamResponse): Promise<{ message: string | null; isJson: boolean }> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    return { message: null, isJson: false };
  }
  try {
    const data = JSON.parse(text) as Record<string, unknown>;
    const e = data?.error ?? data?.detail ?? data?.message;
    if (typeof e === 'string') return { message: e, isJson: true };
    if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') {
      return { message: (e as { message: string }).message, isJson: true };
    }
    return { message: text || null, isJson: true };
  } catch {
    return { message: text.trim() || null, isJson: false };
  }
}

export function describeUpstreamError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const instances = new WeakMap<object, Upstreams>();

export function upstreamsFor(ctx: Pick<AppContext, 'config'>): Upstreams {
  let u = instances.get(ctx);
  if (!u) {
    u = new Upstreams({
      generationSeconds: ctx.config.timeouts.clientSeconds,
      idleSeconds: ctx.config.timeouts.idleSeconds,
      listSeconds: ctx.config.timeouts.modelListSeconds,
      verifyTls: ctx.config.timeouts.verifyTls,
    });
    instances.set(ctx, u);
  }
  return u;
}

export async function closeUpstreamsFor(ctx: Pick<AppContext, 'config'>): Promise<void> {
  const u = instances.get(ctx);
  instances.delete(ctx);
  await u?.close();
}

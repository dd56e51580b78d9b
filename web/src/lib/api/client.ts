/**
 * The one HTTP path of the UI: every call goes through `request`, every failure becomes an `ApiError`
 * whose message is readable (FastAPI's `{"detail": ...}` in any of its shapes, or a network failure).
 */

const TOKEN_KEY = 'token';

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** Turns any error body the server (or an upstream it relays) can send into one line of text. */
export function detailToMessage(body: unknown, fallback: string): string {
  if (body == null) return fallback;
  if (typeof body === 'string') return body || fallback;
  if (typeof body !== 'object') return String(body);
  const b = body as Record<string, unknown>;
  const detail = b.detail ?? b.error ?? b.message;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    // FastAPI 422: [{loc, msg, type}]
    return detail
      .map((d) => (d && typeof d === 'object' && 'msg' in d ? `${(d as { loc?: unknown[] }).loc?.slice(1).join('.') ?? ''} ${(d as { msg: string }).msg}`.trim() : String(d)))
      .join('; ');
  }
  if (detail && typeof detail === 'object' && 'message' in detail) return String((detail as { message: unknown }).message);
  return fallback;
}

let translate: (text: string) => string = (s) => s;
/** The UI registers its translator of known server texts (chat/errors.ts) at start-up. */
export function setErrorTranslator(fn: (text: string) => string): void {
  translate = fn;
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return translate(err.message);
  if (err instanceof DOMException && err.name === 'AbortError') return 'Aborted';
  if (err instanceof TypeError) return `Network error: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>;
  signal?: AbortSignal;
  /** Return the raw Response (for streams) instead of parsed JSON; errors are still thrown. */
  raw?: boolean;
  /** Authenticate with the cookie only (the stored bearer token is known to be void). */
  cookieOnly?: boolean;
  /** Extra request headers (e.g. `prefer`). */
  headers?: Record<string, string>;
}

function buildUrl(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

export async function throwIfNotOk(res: Response): Promise<Response> {
  if (res.ok) return res;
  const text = await res.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  throw new ApiError(res.status, detailToMessage(body, `${res.status} ${res.statusText}`), body);
}

export async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  const token = getToken();
  if (token && !opts.cookieOnly) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(buildUrl(path, opts.query), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: opts.signal,
    credentials: 'same-origin',
  });
  await throwIfNotOk(res);
  if (opts.raw) return res as unknown as T;
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

export const http = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, body ?? {}, opts),
  del: <T>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, undefined, opts),
};

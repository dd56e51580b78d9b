/**
 * Path checks for the catch-all proxies (`/openai/{path}` and any other "forward the rest of the URL"
 * route). A client-given rest of path is forwarded only when it is plainly a path below the
 * connection's base: no `.`/`..` segments, no encoded `/`, `\`, `.` or `%` (so double encoding cannot
 * smuggle one through a decoder further down), no control characters; and the final URL is checked to
 * still lie under the base path, whatever the URL parser made of it.
 */
import { ApiError } from '../errors/api-error.js';

export const BAD_PROXY_PATH = 'Invalid path: it must stay below the connection URL (no "..", "." or encoded separators)';

const MAX_PATH = 2048;
// Encoded dot, slash, backslash, percent (double encoding), and control characters including NUL.
const FORBIDDEN_ESCAPES = /%(2e|2f|5c|25|[01][0-9a-f]|7f)/i;

/**
 * Validates the raw (still percent-encoded) rest of a request path and returns it with one leading
 * slash, query excluded. Throws a 400 ApiError when it could address anything but a sub-path.
 */
export function safeSubpath(rawRest: string): string {
  const rest = rawRest;
  if (rest.length > MAX_PATH) throw new ApiError(400, BAD_PROXY_PATH);
  if (FORBIDDEN_ESCAPES.test(rest) || rest.includes('\\')) throw new ApiError(400, BAD_PROXY_PATH);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    throw new ApiError(400, BAD_PROXY_PATH);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(decoded)) throw new ApiError(400, BAD_PROXY_PATH);
  const segments = decoded.split('/');
  segments.forEach((seg, i) => {
    if (seg === '.' || seg === '..' || (seg === '' && i < segments.length - 1)) throw new ApiError(400, BAD_PROXY_PATH);
  });
  return `/${rest}`;
}

/** The raw rest of `request.url` after `prefix` (e.g. `/openai/`), without the query string. */
export function rawRestAfter(url: string, prefix: string): string {
  const pathOnly = url.split('?')[0] ?? '';
  return pathOnly.startsWith(prefix) ? pathOnly.slice(prefix.length) : '';
}

/** Throws unless `finalUrl` has the base's origin and lies at or below its path. */
export function assertUnderBase(baseUrl: string, finalUrl: string): void {
  let base: URL;
  let target: URL;
  try {
    base = new URL(baseUrl);
    target = new URL(finalUrl);
  } catch {
    throw new ApiError(400, BAD_PROXY_PATH);
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const ok = target.origin === base.origin && (target.pathname === basePath || target.pathname.startsWith(`${basePath}/`) || basePath === '');
  if (!ok) throw new ApiError(400, BAD_PROXY_PATH);
}

// Paths the original keeps admin-only on an Ollama server (model management, loaded models, uploads).
const OLLAMA_ADMIN_PATH = /(^|\/)(api\/(ps|unload|pull|push|create|copy|delete|blobs)|models\/(download|upload))(\/|$)/i;

/** True when a path would reach an Ollama admin endpoint, whichever proxy it came through. */
export function isOllamaAdminPath(pathname: string): boolean {
  return OLLAMA_ADMIN_PATH.test(pathname);
}

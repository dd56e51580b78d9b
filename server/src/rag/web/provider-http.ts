import { request } from 'undici';

/**
 * The HTTP client of the search providers. Their endpoints are admin-configured (an env or Admin >
 * Settings), so they are not SSRF-guarded like result pages; every call is still bounded in time and
 * size, and a failure becomes a ProviderError whose message names the provider and the cause without
 * any key (keys travel in headers or query strings that are never logged or echoed).
 */
export type ProviderFault = 'http' | 'rate_limited' | 'timeout' | 'network' | 'garbage' | 'not_configured';

export class ProviderError extends Error {
  constructor(
    readonly fault: ProviderFault,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export interface ProviderRequest {
  provider: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  query?: Record<string, string | number>;
  json?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
}

const MAX_BYTES = 5 * 1024 * 1024;

export async function providerJson(req: ProviderRequest): Promise<unknown> {
  const url = new URL(req.url);
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, String(v));
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  if (req.json !== undefined) headers['content-type'] = 'application/json';
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, {
      method: req.method ?? 'GET',
      headers,
      body: req.json !== undefined ? JSON.stringify(req.json) : undefined,
      signal,
    });
  } catch (err) {
    if (timeout.aborted) throw new ProviderError('timeout', `${req.provider} did not answer within ${Math.round(req.timeoutMs / 1000)} s`);
    throw new ProviderError('network', `${req.provider} could not be reached (${(err as Error).message})`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_BYTES) {
        res.body.destroy();
        throw new ProviderError('garbage', `${req.provider} sent an answer larger than ${MAX_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    if (timeout.aborted) throw new ProviderError('timeout', `${req.provider} did not answer within ${Math.round(req.timeoutMs / 1000)} s`);
    throw new ProviderError('network', `${req.provider} broke off its answer (${(err as Error).message})`);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (res.statusCode === 429) throw new ProviderError('rate_limited', `${req.provider} rate limit or quota reached (HTTP 429)`, 429);
  if (res.statusCode >= 400) {
    const hint = text.slice(0, 200).replace(/\s+/g, ' ').trim();
    const what = res.statusCode === 401 || res.statusCode === 403 ? 'refused the API key' : 'answered an error';
    throw new ProviderError('http', `${req.provider} ${what} (HTTP ${res.statusCode}${hint ? `: ${hint}` : ''})`, res.statusCode);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError('garbage', `${req.provider} sent an answer that is not JSON`);
  }
}

// Narrowing helpers for provider answers: anything unexpected is "garbage", never a crash.
export type Json = Record<string, unknown>;
export const isObj = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

export function listAt(provider: string, body: unknown, ...path: string[]): Json[] {
  let cur: unknown = body;
  for (const p of path) {
    if (!isObj(cur)) throw new ProviderError('garbage', `${provider} sent an answer without ${path.join('.')}`);
    cur = cur[p];
  }
  if (cur === undefined || cur === null) return [];
  if (!Array.isArray(cur)) throw new ProviderError('garbage', `${provider} sent an answer whose ${path.join('.')} is not a list`);
  return cur.filter(isObj);
}

export const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

import { safeFetch, SafeFetchError, type SafeFetchPolicy } from '../../net/safe-fetch.js';
import type { RagRuntime } from '../runtime.js';
import type { WebSettings } from './settings.js';

/** A loaded page: its text and the original's metadata (`source` is the URL the citation links to). */
export interface WebDoc {
  content: string;
  metadata: { source: string; title?: string; description?: string; language?: string };
}

export class WebLoadError extends Error {
  constructor(
    readonly url: string,
    message: string,
    readonly blocked = false,
    /** How the API answers it: the page's fault 502, its time limit 504, a refused or unusable URL 400. */
    readonly status = 400,
  ) {
    super(message);
    this.name = 'WebLoadError';
  }
}

/** WEB_LOADER_ENGINE values this build runs; the original's others need a browser or a paid service. */
export const LOADER_ENGINES = new Set(['', 'safe_web']);

const TEXT_TYPES = /^(text\/|application\/(xhtml\+xml|xml|json)|$)/;

/** Tests inject an address rule here the way safe-fetch's own tests do; production never sets it. */
let testPolicy: SafeFetchPolicy | null = null;
export function setLoaderTestPolicy(p: SafeFetchPolicy | null): void {
  testPolicy = p;
}

function decode(body: Buffer, contentType: string): string {
  const charset = /charset=\s*"?([\w-]+)/i.exec(contentType)?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

const meta = (html: string, name: string) => {
  const m = new RegExp(`<meta[^>]{0,200}name=["']${name}["'][^>]{0,200}content=(?:"([^"]{0,500})"|'([^']{0,500})')`, 'i').exec(html);
  return (m?.[1] ?? m?.[2])?.trim();
};

/**
 * Loads one page (the original's SafeWebBaseLoader): only http(s); every address is checked after DNS
 * resolution and on every redirect by safeFetch (private, loopback, link-local and metadata addresses
 * refused unless ENABLE_RAG_LOCAL_WEB_FETCH=true); bounded time, size and redirects; no cookies or
 * credentials are ever sent. HTML becomes text in the extraction workers (node-html-parser), off the
 * event loop.
 */
export async function loadPage(rt: RagRuntime, url: string, s: WebSettings, signal?: AbortSignal): Promise<WebDoc> {
  if (!LOADER_ENGINES.has(s.loaderEngine)) throw new WebLoadError(url, `WEB_LOADER_ENGINE '${s.loaderEngine}' is not supported by this server (use safe_web)`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebLoadError(url, 'Oops! The URL you provided is invalid. Please double-check and try again.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new WebLoadError(url, 'Only http and https URLs can be loaded');
  let res;
  try {
    res = await safeFetch(parsed, {
      headers: { 'user-agent': 'Mozilla/5.0 (compatible; Open WebUI RAG Bot)', accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5' },
      allowPrivate: s.loader.allowPrivate,
      verifyTls: s.verifyTls,
      timeoutMs: s.loader.timeoutMs,
      maxRedirects: s.loader.maxRedirects,
      maxBytes: s.loader.maxBytes,
      signal,
      ...(testPolicy ?? {}),
    });
  } catch (err) {
    if (err instanceof SafeFetchError) {
      const status = err.code === 'timeout' ? 504 : err.code === 'dns_failed' || err.code === 'connect_failed' ? 502 : 400;
      throw new WebLoadError(url, err.message, err.code === 'blocked_address', status);
    }
    throw new WebLoadError(url, `The page could not be loaded: ${(err as Error).message}`, false, 502);
  }
  if (!res.ok) throw new WebLoadError(url, `The page answered HTTP ${res.status}`, false, 502);
  const type = (res.headers.get('content-type') ?? '').toLowerCase();
  if (!TEXT_TYPES.test(type)) throw new WebLoadError(url, `The page is not text (${type.split(';')[0]})`);
  const raw = decode(res.body, type);
  const isHtml = type.includes('html') || (!type && /<html[\s>]/i.test(raw.slice(0, 2000)));
  let content = raw;
  const metadata: WebDoc['metadata'] = { source: url };
  if (isHtml) {
    content = (await rt.pool.html(raw, null)).text;
    const title = /<title[^>]*>([^<]{0,500})<\/title>/i.exec(raw)?.[1]?.trim();
    if (title) metadata.title = title;
    const description = meta(raw, 'description');
    if (description) metadata.description = description;
    const language = /<html[^>]{0,200}lang=["']([\w-]{1,20})/i.exec(raw)?.[1];
    if (language) metadata.language = language;
  }
  return { content: content.trim(), metadata };
}

/** Loads several pages, `concurrency` at a time, in the given order; pages that fail are left out (reported). */
export async function loadPages(
  rt: RagRuntime,
  urls: string[],
  s: WebSettings,
  signal?: AbortSignal,
): Promise<{ docs: WebDoc[]; failed: WebLoadError[] }> {
  const out: (WebDoc | WebLoadError)[] = new Array(urls.length);
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const i = next++;
      try {
        out[i] = await loadPage(rt, urls[i]!, s, signal);
      } catch (err) {
        out[i] = err instanceof WebLoadError ? err : new WebLoadError(urls[i]!, (err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, s.loaderConcurrency), urls.length) }, worker));
  const docs = out.filter((d): d is WebDoc => !(d instanceof WebLoadError) && Boolean(d.content));
  return { docs, failed: out.filter((d): d is WebLoadError => d instanceof WebLoadError) };
}

import { createHash } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { embedAll, embeddingsEnabled } from '../embed/embedder.js';
import { RagRuntime } from '../runtime.js';
import { ragSettings } from '../settings.js';
import { loadPages, type WebDoc } from './loader.js';
import { ProviderError } from './provider-http.js';
import { PROVIDERS, type SearchResult } from './providers/index.js';
import { webSettings, type WebSettings } from './settings.js';

/** `process/web/search`'s answer, as the original's (collection_names, or docs when retrieval is bypassed). */
export interface WebSearchResult {
  status: true;
  collection_name?: null;
  collection_names?: string[];
  docs?: { content: string; metadata: WebDoc['metadata'] }[];
  items: SearchResult[];
  filenames: string[];
  loaded_count: number;
}

export interface WebSearchHooks {
  /** Called once the results are in, before the pages are read (the chat's "Reading N sites" step). */
  onResults?(urls: string[]): void;
  signal?: AbortSignal;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** How a provider fault is answered: the provider's time limit -> 504, any other fault of theirs -> 502. */
export function providerFaultStatus(err: ProviderError): number {
  if (err.fault === 'timeout') return 504;
  if (err.fault === 'not_configured') return 400;
  return 502;
}

/** Runs every query against the configured engine, `concurrency` at a time. Throws ProviderError. */
export async function searchAll(s: WebSettings, queries: string[], signal?: AbortSignal): Promise<SearchResult[][]> {
  const provider = PROVIDERS.get(s.engine);
  if (!provider) {
    throw new ProviderError('not_configured', s.engine ? `Web search engine '${s.engine}' is not supported` : 'No web search engine is configured (WEB_SEARCH_ENGINE)');
  }
  const missing = provider.missing(s);
  if (missing) throw new ProviderError('not_configured', missing);
  const out: SearchResult[][] = new Array(queries.length);
  let next = 0;
  const worker = async () => {
    while (next < queries.length) {
      const i = next++;
      out[i] = await provider.search(queries[i]!, s, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, s.concurrency), queries.length) }, worker));
  return out;
}

/** Splits, embeds and indexes the pages into one collection (replacing what it held). */
export async function indexWebDocs(rt: RagRuntime, collection: string, docs: WebDoc[], userId: string): Promise<void> {
  const settings = ragSettings(rt.ctx);
  const rows: { id: string; text: string; metadata: Record<string, unknown> }[] = [];
  const seen = new Set<string>();
  for (const doc of docs) {
    const split = await rt.pool.split(doc.content, settings.split);
    if (!split.text.trim() || seen.has(split.hash)) continue;
    seen.add(split.hash);
    split.chunks.forEach((c, i) =>
      rows.push({
        id: `${split.hash.slice(0, 16)}-${i}`,
        text: c.text,
        metadata: { ...doc.metadata, name: doc.metadata.title || doc.metadata.source, created_by: userId, start_index: c.start, hash: split.hash },
      }),
    );
  }
  const vectors = embeddingsEnabled(settings.embedding) && rows.length ? await embedAll(settings.embedding, rows.map((r) => r.text)) : null;
  const store = await rt.store();
  await store.deleteCollection(collection);
  if (rows.length) await store.upsert(collection, rows.map((r, i) => ({ ...r, vector: vectors?.[i] ?? null })));
}

/**
 * The original's process_web_search: search every query, load the result pages (or take the snippets
 * with BYPASS_WEB_SEARCH_WEB_LOADER), then index them into `web-search-<sha256 of the queries>` or,
 * with BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL, hand the whole pages back. Errors are ApiErrors:
 * a provider fault 502/504 (400 when not configured), no results 404.
 */
export async function processWebSearch(ctx: AppContext, userId: string, queries: string[], hooks: WebSearchHooks = {}): Promise<WebSearchResult> {
  const s = webSettings(ctx);
  const rt = RagRuntime.for(ctx);
  let results: SearchResult[][];
  try {
    results = await searchAll(s, queries, hooks.signal);
  } catch (err) {
    if (err instanceof ProviderError) {
      ctx.log.warn({ engine: s.engine, fault: err.fault, status: err.status }, `web search failed: ${err.message}`);
      throw new ApiError(providerFaultStatus(err), err.message);
    }
    throw err;
  }
  const items = results.flat().filter((r) => r && r.link);
  const urls = [...new Set(items.map((r) => r.link))];
  if (!urls.length) throw new ApiError(404, ERROR_MESSAGES.DEFAULT('No results found from web search'));
  hooks.onResults?.(urls);

  let docs: WebDoc[];
  if (s.bypassLoader) {
    docs = items.filter((r) => r.snippet).map((r) => ({ content: r.snippet!, metadata: { source: r.link, title: r.title ?? undefined, snippet: r.snippet!, link: r.link } as WebDoc['metadata'] }));
  } else {
    const loaded = await loadPages(rt, urls, s, hooks.signal);
    for (const f of loaded.failed) ctx.log.info({ url: f.url, blocked: f.blocked }, `web search: a result page was not loaded: ${f.message}`);
    docs = loaded.docs;
  }
  const kept = [...new Set(docs.map((d) => d.metadata.source))];
  const keptItems = items.filter((r) => kept.includes(r.link));
  if (s.bypassRetrieval) {
    return { status: true, collection_name: null, filenames: kept, items: keptItems, docs: docs.map((d) => ({ content: d.content, metadata: d.metadata })), loaded_count: docs.length };
  }
  const collection = `web-search-${sha256(queries.join('-'))}`.slice(0, 63);
  try {
    await indexWebDocs(rt, collection, docs, userId);
  } catch (err) {
    // As the original: a failed save still answers (the chat then finds no passages there).
    ctx.log.warn({ err: (err as Error).message }, 'web search: indexing the pages failed');
  }
  return { status: true, collection_names: [collection], items: keptItems, filenames: kept, loaded_count: docs.length };
}

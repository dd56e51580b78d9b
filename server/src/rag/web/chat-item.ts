import type { UserModel } from '@owui/contracts';
import { canReadCollection } from '../collection-access.js';
import { allOfCollections, queryCollections, type QueryOptions, type QueryResult } from '../retrieve.js';
import type { RagRuntime } from '../runtime.js';
import type { RagSettings } from '../settings.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/**
 * A `web_search` item of `files` (added by the web search step, or sent back by a client re-asking):
 * with `docs` (BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL) the pages themselves; with `collection_name`
 * the passages of that `web-search-*` collection that answer the question and the generated queries.
 * A collection the caller did not index (someone else's) gives nothing.
 */
export async function resolveWebSearchItem(
  rt: RagRuntime,
  user: UserModel,
  item: Json,
  query: string,
  s: RagSettings,
  opts: QueryOptions,
  full: boolean,
): Promise<QueryResult | null> {
  if (Array.isArray(item.docs)) {
    const docs = item.docs.filter((d): d is Json => isObj(d) && typeof d.content === 'string' && d.content !== '');
    if (!docs.length) return null;
    return {
      documents: [docs.map((d) => String(d.content))],
      metadatas: [docs.map((d) => (isObj(d.metadata) ? { ...d.metadata } : {}))],
      distances: [],
    };
  }
  const name = typeof item.collection_name === 'string' ? item.collection_name : '';
  if (!name.startsWith('web-search-') || !(await canReadCollection(rt, user, name))) return null;
  if (full) return allOfCollections(rt, [name]);
  const generated = Array.isArray(item.queries) ? item.queries.filter((q): q is string => typeof q === 'string') : [];
  return queryCollections(rt, s, [name], [query, ...generated], opts);
}

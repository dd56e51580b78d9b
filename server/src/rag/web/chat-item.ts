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

/**
 * A web page attached to a message. `url` items: the page is loaded now (through the SSRF guard) and
 * given whole. `text` items made by `process/web` (the original UI's web attachment): the passages of
 * their collection when the caller may read it, else the page text the item carries (the caller's own
 * input, like any `text` item), whole with `context: 'full'`.
 */
export async function resolveWebPageItem(
  rt: RagRuntime,
  user: UserModel,
  item: Json,
  query: string,
  s: RagSettings,
  opts: QueryOptions,
  load: (url: string) => Promise<{ content: string }>,
): Promise<QueryResult | null> {
  if (item.type === 'url') {
    const url = typeof item.url === 'string' ? item.url : '';
    if (!url) return null;
    const doc = await load(url);
    return doc.content ? { documents: [[doc.content]], metadatas: [[{ url, name: url, source: url }]], distances: [] } : null;
  }
  const file = isObj(item.file) ? item.file : null;
  const content = (file && isObj(file.data) && typeof file.data.content === 'string' ? file.data.content : '') || (typeof item.content === 'string' ? item.content : '');
  const meta = file && isObj(file.meta) ? { ...file.meta } : { name: item.name, source: item.name };
  const name = typeof item.collection_name === 'string' ? item.collection_name : '';
  if (item.context !== 'full' && name && !name.startsWith('file-') && (await canReadCollection(rt, user, name)) && !(await rt.knowledge.get(name))) {
    const r = await queryCollections(rt, s, [name], [query], opts);
    if (r.documents[0]?.length) return r;
  }
  return content ? { documents: [[content]], metadatas: [[meta]], distances: [] } : null;
}

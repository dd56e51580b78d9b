import type { ChatCompletionRequest, UserModel } from '@owui/contracts';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors/api-error.js';
import { ERROR_MESSAGES } from '../errors/messages.js';
import { canReadFile, canReadKnowledge, groupIdsOf } from './access.js';
import { fillRagTemplate } from './rag-template.js';
import { allOfCollections, queryCollections, type QueryResult } from './retrieve.js';
import { RagRuntime } from './runtime.js';
import { ragSettings } from './settings.js';
import { resolveWebPageItem, resolveWebSearchItem } from './web/chat-item.js';
import { loadPage } from './web/loader.js';
import { webSettings } from './web/settings.js';

type Json = Record<string, unknown>;

/** One entry of `sources` as the original returns it (its UI renders citations from these). */
export interface Source {
  source: Json;
  document: string[];
  metadata: Json[];
  distances?: number[];
}

const isObj = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

function lastUserText(messages: ChatCompletionRequest['messages']): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((p) => (isObj(p) && p.type === 'text' ? String(p.text ?? '') : '')).join('\n');
    return '';
  }
  return null;
}

/** The item as echoed back in `sources`: without the file's extracted text, which can be megabytes. */
function echo(item: Json): Json {
  const out: Json = { ...item };
  delete out.data;
  delete out.docs; // web search pages (BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL): they are the `document`s

  if (isObj(out.file)) {
    const file: Json = { ...out.file };
    if (isObj(file.data)) file.data = Object.fromEntries(Object.entries(file.data).filter(([k]) => k !== 'content'));
    out.file = file;
  }
  return out;
}

/**
 * The result for one `files` item, or null when there is nothing the caller may read. Only ids are
 * trusted: a file or knowledge base is read from the database and checked against the caller, so a
 * request naming someone else's file id gets none of its text.
 */
async function resolveItem(rt: RagRuntime, user: UserModel, item: Json, query: string, s: ReturnType<typeof ragSettings>): Promise<QueryResult | null> {
  const full = item.context === 'full' || s.fullContext || s.bypass;
  const id = typeof item.id === 'string' ? item.id : '';
  const opts = { k: s.topK, hybrid: s.hybrid, threshold: s.relevanceThreshold, kReranker: s.topKReranker };

  if (item.type === 'file' && id) {
    const file = await rt.files.get(id);
    if (!file || !canReadFile(user, file)) return null;
    if (full || s.bypass) {
      const content = typeof file.data.content === 'string' ? file.data.content : '';
      return content ? { documents: [[content]], metadatas: [[{ file_id: file.id, name: file.filename, source: file.filename }]], distances: [] } : null;
    }
    return queryCollections(rt, s, [`file-${file.id}`], [query], opts);
  }

  if (item.type === 'collection' && id) {
    const k = await rt.knowledge.get(id);
    if (!k || !canReadKnowledge(user, k, await groupIdsOf(rt.ctx, user))) return null;
    if (full || s.bypass) {
      const files = await rt.files.getMany(k.data.file_ids ?? []);
      const docs = files.filter((f) => typeof f.data.content === 'string' && f.data.content);
      return { documents: [docs.map((f) => String(f.data.content))], metadatas: [docs.map((f) => ({ file_id: f.id, name: f.filename, source: f.filename }))], distances: [] };
    }
    return s.fullContext ? allOfCollections(rt, [k.id]) : queryCollections(rt, s, [k.id], [query], opts);
  }

  if (item.type === 'url' || (item.type === 'text' && (typeof item.collection_name === 'string' || isObj(item.file)))) {
    return resolveWebPageItem(rt, user, item, query, s, opts, (url) => loadPage(rt, url, webSettings(rt.ctx)));
  }
  if (item.type === 'text' && typeof item.content === 'string' && item.content) {
    // Text the client already holds (temporary chats, pasted pages): it is the caller's own input.
    return { documents: [[item.content]], metadatas: [[{ name: item.name ?? 'text', source: item.name ?? 'text' }]], distances: [] };
  }
  if (item.type === 'web_search') return resolveWebSearchItem(rt, user, item, query, s, opts, full);
  return null;
}

/**
 * The chat completion pipeline's files/RAG step: for `files` on the request, retrieves the passages
 * that answer the last user message, puts them into that message with RAG_TEMPLATE (prepended, as
 * the original does) and returns the `sources` to send back with the reply. No files: unchanged.
 */
export async function chatFilesStep(ctx: AppContext, user: UserModel, request: ChatCompletionRequest): Promise<{ request: ChatCompletionRequest; sources: Source[] }> {
  const items = (request.files ?? []).filter(isObj);
  if (!items.length) return { request, sources: [] };
  const s = ragSettings(ctx);
  if (s.maxCount && items.length > s.maxCount) throw new ApiError(400, ERROR_MESSAGES.DEFAULT(`You can attach at most ${s.maxCount} files`));
  const query = lastUserText(request.messages);
  if (query === null) return { request, sources: [] };
  const rt = RagRuntime.for(ctx);

  const sources: Source[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const key = `${String(item.type)}:${String(item.id ?? item.name)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let result: QueryResult | null = null;
    try {
      result = await resolveItem(rt, user, item, query, s);
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'retrieval for a chat file failed');
    }
    if (!result || !result.documents[0]?.length) continue;
    const src: Source = { source: echo(item), document: result.documents[0], metadata: result.metadatas[0] ?? [] };
    if (result.distances[0]?.length) src.distances = result.distances[0];
    sources.push(src);
  }
  if (!sources.length) return { request, sources };

  // One citation number per source document, in order of first appearance.
  const ids = new Map<string, number>();
  let context = '';
  for (const src of sources) {
    const name = typeof src.source.name === 'string' ? src.source.name : null;
    src.document.forEach((text, i) => {
      const meta = src.metadata[i] ?? {};
      const sid = String(meta.source ?? src.source.id ?? 'N/A');
      if (!ids.has(sid)) ids.set(sid, ids.size + 1);
      context += `<source id="${ids.get(sid)}"${name ? ` name="${name.replace(/"/g, '&quot;')}"` : ''}>${text}</source>\n`;
    });
  }
  const prompt = fillRagTemplate(s.template, context.trim(), query);
  const messages = request.messages.map((m) => ({ ...m }));
  const last = messages.at(-1);
  if (last && last.role === 'user') {
    if (Array.isArray(last.content)) {
      last.content = last.content.map((p) => (isObj(p) && p.type === 'text' ? { ...p, text: `${prompt}\n${String(p.text ?? '')}` } : p));
    } else {
      last.content = `${prompt}\n${typeof last.content === 'string' ? last.content : ''}`;
    }
  } else {
    messages.push({ role: 'user', content: prompt });
  }
  return { request: { ...request, messages }, sources };
}

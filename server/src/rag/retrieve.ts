import { request } from 'undici';
import { embedAll, embeddingsEnabled } from './embed/embedder.js';
import type { RagRuntime } from './runtime.js';
import type { RagSettings } from './settings.js';
import type { ChunkHit } from './vector/vector-store.js';

/** The original's query result shape: one list per query batch (we always answer one). */
export interface QueryResult {
  documents: string[][];
  metadatas: Record<string, unknown>[][];
  distances: number[][];
}

export interface QueryOptions {
  k: number;
  hybrid: boolean;
  threshold: number;
  kReranker?: number;
}

const FULL_CONTEXT_LIMIT = 10_000;

function toResult(hits: ChunkHit[]): QueryResult {
  return { documents: [hits.map((h) => h.text)], metadatas: [hits.map((h) => h.metadata)], distances: [hits.map((h) => h.score)] };
}

/** Best score per chunk across several result lists. */
function merge(lists: ChunkHit[][]): ChunkHit[] {
  const best = new Map<string, ChunkHit>();
  for (const list of lists) {
    for (const h of list) {
      const key = `${String(h.metadata.file_id ?? '')}:${h.id}`;
      const prev = best.get(key);
      if (!prev || h.score > prev.score) best.set(key, h);
    }
  }
  return [...best.values()].sort((a, b) => b.score - a.score);
}

/** External reranker (RAG_EXTERNAL_RERANKER_URL, Jina/Cohere-style `results[{index, relevance_score}]`). */
async function rerank(s: RagSettings, query: string, hits: ChunkHit[], k: number): Promise<ChunkHit[]> {
  const res = await request(s.reranker.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(s.reranker.key ? { authorization: `Bearer ${s.reranker.key}` } : {}) },
    body: JSON.stringify({ model: s.reranker.model, query, documents: hits.map((h) => h.text), top_n: k }),
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  if (res.statusCode >= 400) throw new Error(`reranker answered ${res.statusCode}`);
  const json = (await res.body.json()) as { results?: { index: number; relevance_score: number }[] };
  if (!Array.isArray(json.results)) throw new Error('reranker returned no results');
  return json.results
    .filter((r) => Number.isInteger(r.index) && hits[r.index])
    .map((r) => ({ ...hits[r.index]!, score: Number(r.relevance_score) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

/**
 * Finds the passages of `collections` that best answer `queries`. With an embedding model: vector
 * search, or hybrid (vector and BM25 blended by HYBRID_BM25_WEIGHT, then the external reranker when
 * set). Without one: BM25 full-text only, so documents answer with zero set-up. Scores are 0..1 and
 * RELEVANCE_THRESHOLD drops what falls under it.
 */
export async function queryCollections(rt: RagRuntime, s: RagSettings, collections: string[], queries: string[], opts: QueryOptions): Promise<QueryResult> {
  const store = await rt.store();
  const qs = queries.map((q) => q.trim()).filter(Boolean).slice(0, 8);
  if (!qs.length || !collections.length) return toResult([]);
  const withVectors = embeddingsEnabled(s.embedding);
  const lists: ChunkHit[][] = [];
  const vectors = withVectors ? await embedAll({ ...s.embedding, batchSize: Math.max(qs.length, 1) }, qs) : [];
  for (let i = 0; i < qs.length; i++) {
    const q = qs[i]!;
    if (!withVectors) {
      lists.push(await store.textSearch(collections, q, opts.k));
      continue;
    }
    const vec = await store.vectorSearch(collections, vectors[i]!, opts.hybrid ? opts.k * 2 : opts.k);
    if (!opts.hybrid) {
      lists.push(vec);
      continue;
    }
    const text = await store.textSearch(collections, q, opts.k * 2);
    const w = s.bm25Weight;
    const blended = new Map<string, ChunkHit>();
    for (const h of vec) blended.set(h.id, { ...h, score: (1 - w) * h.score });
    for (const h of text) {
      const prev = blended.get(h.id);
      blended.set(h.id, prev ? { ...prev, score: prev.score + w * h.score } : { ...h, score: w * h.score });
    }
    let hits = [...blended.values()].sort((a, b) => b.score - a.score);
    if (s.reranker.url) {
      try {
        hits = await rerank(s, q, hits, opts.kReranker ?? opts.k);
      } catch (err) {
        rt.ctx.log.warn({ err: (err as Error).message }, 'reranker failed; using blended scores');
      }
    }
    lists.push(hits.slice(0, opts.k));
  }
  const merged = merge(lists).filter((h) => h.score >= opts.threshold).slice(0, opts.k);
  return toResult(merged);
}

/** Every chunk of the collections, in document order (RAG_FULL_CONTEXT). */
export async function allOfCollections(rt: RagRuntime, collections: string[]): Promise<QueryResult> {
  return toResult(await (await rt.store()).all(collections, FULL_CONTEXT_LIMIT));
}

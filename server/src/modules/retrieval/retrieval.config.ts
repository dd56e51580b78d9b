import type { z } from 'zod';
import type { EmbeddingConfigUpdate, RetrievalConfigUpdate } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import type { PersistentValues } from '../../config/persistent-keys.js';
import { webConfig, webConfigValues } from '../../rag/web/web-config.js';

/** The keys of `GET/POST /api/v1/retrieval/config` this server implements (the rest belong to other features). */
const CONFIG_KEYS = [
  'RAG_TEMPLATE', 'TOP_K', 'BYPASS_EMBEDDING_AND_RETRIEVAL', 'RAG_FULL_CONTEXT', 'ENABLE_RAG_HYBRID_SEARCH', 'TOP_K_RERANKER',
  'RELEVANCE_THRESHOLD', 'HYBRID_BM25_WEIGHT', 'RAG_RERANKING_MODEL', 'RAG_EXTERNAL_RERANKER_URL', 'RAG_EXTERNAL_RERANKER_API_KEY',
  'TEXT_SPLITTER', 'CHUNK_SIZE', 'CHUNK_OVERLAP', 'FILE_MAX_SIZE', 'FILE_MAX_COUNT', 'ALLOWED_FILE_EXTENSIONS',
] as const;

export function retrievalConfig(ctx: AppContext): Record<string, unknown> {
  const out: Record<string, unknown> = { status: true };
  for (const k of CONFIG_KEYS) out[k] = ctx.settings.get(k);
  // Fixed here: no external extraction engines; `external` reranking is the one reranker supported.
  out.CONTENT_EXTRACTION_ENGINE = '';
  out.RAG_RERANKING_ENGINE = ctx.settings.get('RAG_EXTERNAL_RERANKER_URL') ? 'external' : '';
  out.PDF_EXTRACT_IMAGES = false;
  out.web = webConfig(ctx); // web search (rag/web/web-config.ts)
  return out;
}

export async function updateRetrievalConfig(ctx: AppContext, form: z.infer<typeof RetrievalConfigUpdate>): Promise<void> {
  const values: Partial<PersistentValues> = form.web ? webConfigValues(form.web) : {};
  for (const k of CONFIG_KEYS) {
    const v = form[k];
    if (v === undefined) continue;
    if (v === null && k !== 'FILE_MAX_SIZE' && k !== 'FILE_MAX_COUNT') continue;
    (values as Record<string, unknown>)[k] = k === 'ALLOWED_FILE_EXTENSIONS' ? (v as string[]).map((e) => e.trim().replace(/^\./, '').toLowerCase()).filter(Boolean) : v;
  }
  await ctx.settings.set(values);
}

export function embeddingConfig(ctx: AppContext): Record<string, unknown> {
  const s = ctx.settings;
  return {
    status: true,
    embedding_engine: s.get('RAG_EMBEDDING_ENGINE'),
    embedding_model: s.get('RAG_EMBEDDING_MODEL'),
    embedding_batch_size: s.get('RAG_EMBEDDING_BATCH_SIZE'),
    openai_config: { url: s.get('RAG_OPENAI_API_BASE_URL'), key: s.get('RAG_OPENAI_API_KEY') },
    ollama_config: { url: s.get('RAG_OLLAMA_BASE_URL'), key: s.get('RAG_OLLAMA_API_KEY') },
    azure_openai_config: { url: '', key: '', version: '' },
  };
}

export async function updateEmbeddingConfig(ctx: AppContext, form: z.infer<typeof EmbeddingConfigUpdate>): Promise<void> {
  const values: Partial<PersistentValues> = { RAG_EMBEDDING_ENGINE: form.embedding_engine, RAG_EMBEDDING_MODEL: form.embedding_model };
  if (form.embedding_batch_size) values.RAG_EMBEDDING_BATCH_SIZE = form.embedding_batch_size;
  if (form.openai_config?.url !== undefined) values.RAG_OPENAI_API_BASE_URL = form.openai_config.url.replace(/\/+$/, '');
  if (form.openai_config?.key !== undefined) values.RAG_OPENAI_API_KEY = form.openai_config.key;
  if (form.ollama_config?.url !== undefined) values.RAG_OLLAMA_BASE_URL = form.ollama_config.url.replace(/\/+$/, '');
  if (form.ollama_config?.key !== undefined) values.RAG_OLLAMA_API_KEY = form.ollama_config.key;
  await ctx.settings.set(values);
}

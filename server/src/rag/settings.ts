import type { AppContext } from '../context.js';
import type { EmbeddingSettings } from './embed/embedder.js';

/**
 * The retrieval settings in force now: env-seeded, admin-editable (persistent config), read per use so
 * a change in Admin > Settings > Documents applies to the next upload and the next question.
 */
export function ragSettings(ctx: AppContext) {
  const s = ctx.settings;
  const c = ctx.config.rag;
  const maxMb = s.get('FILE_MAX_SIZE');
  return {
    template: s.get('RAG_TEMPLATE'),
    topK: s.get('TOP_K'),
    topKReranker: s.get('TOP_K_RERANKER'),
    relevanceThreshold: s.get('RELEVANCE_THRESHOLD'),
    bm25Weight: s.get('HYBRID_BM25_WEIGHT'),
    hybrid: s.get('ENABLE_RAG_HYBRID_SEARCH'),
    bypass: s.get('BYPASS_EMBEDDING_AND_RETRIEVAL'),
    fullContext: s.get('RAG_FULL_CONTEXT'),
    split: { size: s.get('CHUNK_SIZE'), overlap: s.get('CHUNK_OVERLAP'), splitter: s.get('TEXT_SPLITTER') },
    reranker: { url: s.get('RAG_EXTERNAL_RERANKER_URL'), key: s.get('RAG_EXTERNAL_RERANKER_API_KEY'), model: s.get('RAG_RERANKING_MODEL') },
    maxBytes: Math.min(maxMb ? maxMb * 1024 * 1024 : Infinity, c.uploadHardCapBytes),
    maxCount: s.get('FILE_MAX_COUNT'),
    allowedExtensions: s.get('ALLOWED_FILE_EXTENSIONS').filter((e) => e),
    embedding: {
      engine: s.get('RAG_EMBEDDING_ENGINE'),
      model: s.get('RAG_EMBEDDING_MODEL'),
      batchSize: s.get('RAG_EMBEDDING_BATCH_SIZE'),
      concurrency: c.embeddingConcurrency,
      ollama: { url: s.get('RAG_OLLAMA_BASE_URL'), key: s.get('RAG_OLLAMA_API_KEY') },
      openai: { url: s.get('RAG_OPENAI_API_BASE_URL'), key: s.get('RAG_OPENAI_API_KEY') },
    } satisfies EmbeddingSettings,
  };
}

export type RagSettings = ReturnType<typeof ragSettings>;

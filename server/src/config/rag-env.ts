import { ConfigError, bool, int, list, num, oneOf, optionalInt, str, type Env } from './env-parse.js';

/**
 * Environment of documents and retrieval (RAG): files, knowledge, the vector store and the embedding
 * engine. Names and defaults as Open WebUI 0.6.34's config.py; the ones marked "not in the original"
 * are ours. Read only through env.ts (`config.rag`).
 */
const TEXT_SPLITTERS = ['', 'character', 'token'] as const;
const EMBEDDING_ENGINES = ['', 'ollama', 'openai'] as const;
const VECTOR_DBS = ['', 'chroma', 'sqlite-vec', 'pgvector'] as const;

export function ragConfig(env: Env, databaseUrl: string, ollamaUrl: string, openaiUrl: string, openaiKey: string) {
  const vectorDb = oneOf(env, 'VECTOR_DB', VECTOR_DBS, '');
  const pgvectorUrl = str(env, 'PGVECTOR_DB_URL') || (databaseUrl.startsWith('postgresql://') ? databaseUrl : '');
  if (vectorDb === 'pgvector' && !pgvectorUrl) {
    throw new ConfigError('PGVECTOR_DB_URL', 'VECTOR_DB=pgvector needs PGVECTOR_DB_URL or a PostgreSQL DATABASE_URL.', '');
  }
  return {
    vectorDb: vectorDb === 'pgvector' ? ('pgvector' as const) : ('sqlite-vec' as const),
    pgvectorUrl: pgvectorUrl.replace(/^postgres:\/\//, 'postgresql://'),
    template: env.RAG_TEMPLATE ?? '',
    topK: int(env, 'RAG_TOP_K', 3, 1, 1000),
    topKReranker: int(env, 'RAG_TOP_K_RERANKER', 3, 1, 1000),
    relevanceThreshold: num(env, 'RAG_RELEVANCE_THRESHOLD', 0),
    hybridBm25Weight: num(env, 'RAG_HYBRID_BM25_WEIGHT', 0.5),
    hybrid: bool(env, 'ENABLE_RAG_HYBRID_SEARCH', false),
    bypassEmbeddingAndRetrieval: bool(env, 'BYPASS_EMBEDDING_AND_RETRIEVAL', false),
    fullContext: bool(env, 'RAG_FULL_CONTEXT', false),
    chunkSize: int(env, 'CHUNK_SIZE', 1000, 1),
    chunkOverlap: int(env, 'CHUNK_OVERLAP', 100, 0),
    textSplitter: oneOf(env, 'RAG_TEXT_SPLITTER', TEXT_SPLITTERS, ''),
    embeddingEngine: oneOf(env, 'RAG_EMBEDDING_ENGINE', EMBEDDING_ENGINES, ''),
    // Empty = no embedding model: retrieval is full-text (BM25) and needs no set-up.
    embeddingModel: str(env, 'RAG_EMBEDDING_MODEL'),
    embeddingBatchSize: int(env, 'RAG_EMBEDDING_BATCH_SIZE', 32, 1, 4096),
    ollamaBaseUrl: str(env, 'RAG_OLLAMA_BASE_URL') || ollamaUrl,
    ollamaApiKey: str(env, 'RAG_OLLAMA_API_KEY'),
    openaiBaseUrl: (str(env, 'RAG_OPENAI_API_BASE_URL') || openaiUrl).replace(/\/+$/, ''),
    openaiApiKey: str(env, 'RAG_OPENAI_API_KEY') || openaiKey,
    rerankerUrl: str(env, 'RAG_EXTERNAL_RERANKER_URL'),
    rerankerApiKey: str(env, 'RAG_EXTERNAL_RERANKER_API_KEY'),
    rerankingModel: str(env, 'RAG_RERANKING_MODEL'),
    /** Megabytes, null = no limit of the admin's (the hard cap below still holds). */
    fileMaxSizeMb: optionalInt(env, 'RAG_FILE_MAX_SIZE'),
    fileMaxCount: optionalInt(env, 'RAG_FILE_MAX_COUNT'),
    allowedExtensions: list(str(env, 'RAG_ALLOWED_FILE_EXTENSIONS'), ',').map((e) => e.replace(/^\./, '').toLowerCase()),
    /** Not in the original: absolute upload cap in bytes, so a disk cannot be filled by one request. */
    uploadHardCapBytes: int(env, 'UPLOAD_MAX_BYTES', 1024 * 1024 * 1024, 1024),
    /** Not in the original: documents processed at once per instance. */
    processingConcurrency: int(env, 'RAG_PROCESSING_CONCURRENCY', 2, 1, 64),
    embeddingConcurrency: int(env, 'RAG_EMBEDDING_CONCURRENCY', 4, 1, 64),
    /** Not in the original: cap on the embedded store's in-memory bit arrays (vector worker), in MB. */
    vectorIndexCacheMb: int(env, 'RAG_VECTOR_INDEX_CACHE_MB', 256, 1, 65536),
  };
}

export type RagEnv = ReturnType<typeof ragConfig>;

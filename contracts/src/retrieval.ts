import { z } from 'zod';
import { lazy, real } from './lazy.ts';
import { WebConfigForm } from './web-search.ts';
import { AccessControl as AccessControlDoc } from './workspace.ts';

/** Files, knowledge and retrieval payloads, with Open WebUI 0.6.34's field names. */

/** The shared `access_control` document (workspace.ts), optional on knowledge forms. */
const AccessControl = lazy(() => AccessControlDoc.optional());

export const FileContentUpdateForm = lazy(() => z.looseObject({ content: z.string() }));

export const KnowledgeForm = lazy(() => z.looseObject({
  name: z.string().trim().min(1).max(512),
  description: z.string().max(100_000).default(''),
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  access_control: real(AccessControl),
}));

export const KnowledgeFileIdForm = lazy(() => z.looseObject({ file_id: z.string().min(1) }));
export const KnowledgeFileIdBatch = lazy(() => z.array(real(KnowledgeFileIdForm)).max(10_000));

export const ProcessFileForm = lazy(() => z.looseObject({
  file_id: z.string().min(1),
  content: z.string().nullable().optional(),
  collection_name: z.string().min(1).max(512).nullable().optional(),
}));

export const ProcessTextForm = lazy(() => z.looseObject({
  name: z.string().min(1).max(512),
  content: z.string(),
  collection_name: z.string().min(1).max(512).nullable().optional(),
}));

export const QueryDocForm = lazy(() => z.looseObject({
  collection_name: z.string().min(1).max(512),
  query: z.string().min(1).max(100_000),
  k: z.number().int().min(1).max(1000).nullable().optional(),
  k_reranker: z.number().int().min(1).max(1000).nullable().optional(),
  r: z.number().nullable().optional(),
  hybrid: z.boolean().nullable().optional(),
}));

export const QueryCollectionsForm = lazy(() => real(QueryDocForm).omit({ collection_name: true }).extend({
  collection_names: z.array(z.string().min(1).max(512)).min(1).max(100),
}));

/** `POST /api/v1/retrieval/delete` (admin): one file's chunks out of a collection. */
export const DeleteEntriesForm = lazy(() => z.looseObject({
  collection_name: z.string().min(1).max(512),
  file_id: z.string().min(1).max(512),
}));

/**
 * `POST /api/v1/retrieval/process/files/batch`: file models (as the original UI holds them) whose
 * `data.content` is indexed into one collection. Only `id` and `data.content` are read.
 */
export const ProcessFilesBatchForm = lazy(() => z.looseObject({
  files: z.array(z.looseObject({ id: z.string().min(1).max(512), data: z.looseObject({ content: z.string().nullable().optional() }).nullable().optional() })).min(1).max(500),
  collection_name: z.string().min(1).max(512),
}));

/** `POST /api/v1/retrieval/config/update`: every field optional, as the original's form. */
export const RetrievalConfigUpdate = lazy(() => z.looseObject({
  RAG_TEMPLATE: z.string().nullable().optional(),
  TOP_K: z.number().int().min(1).nullable().optional(),
  TOP_K_RERANKER: z.number().int().min(1).nullable().optional(),
  RELEVANCE_THRESHOLD: z.number().nullable().optional(),
  HYBRID_BM25_WEIGHT: z.number().min(0).max(1).nullable().optional(),
  ENABLE_RAG_HYBRID_SEARCH: z.boolean().nullable().optional(),
  BYPASS_EMBEDDING_AND_RETRIEVAL: z.boolean().nullable().optional(),
  RAG_FULL_CONTEXT: z.boolean().nullable().optional(),
  RAG_EXTERNAL_RERANKER_URL: z.string().nullable().optional(),
  RAG_EXTERNAL_RERANKER_API_KEY: z.string().nullable().optional(),
  RAG_RERANKING_MODEL: z.string().nullable().optional(),
  TEXT_SPLITTER: z.enum(['', 'character', 'token']).nullable().optional(),
  CHUNK_SIZE: z.number().int().min(1).nullable().optional(),
  CHUNK_OVERLAP: z.number().int().min(0).nullable().optional(),
  FILE_MAX_SIZE: z.number().int().min(0).nullable().optional(),
  FILE_MAX_COUNT: z.number().int().min(0).nullable().optional(),
  ALLOWED_FILE_EXTENSIONS: z.array(z.string()).nullable().optional(),
  // Web search settings (issue 17).
  web: real(WebConfigForm).nullable().optional(),
}));

const ConnectionConfig = lazy(() => z.looseObject({ url: z.string().optional(), key: z.string().optional() }));

export const EmbeddingConfigUpdate = lazy(() => z.looseObject({
  embedding_engine: z.enum(['', 'ollama', 'openai']),
  embedding_model: z.string(),
  embedding_batch_size: z.number().int().min(1).max(4096).nullable().optional(),
  openai_config: real(ConnectionConfig).nullable().optional(),
  ollama_config: real(ConnectionConfig).nullable().optional(),
}));

export type KnowledgeForm = z.infer<typeof KnowledgeForm>;
export type QueryDocForm = z.infer<typeof QueryDocForm>;

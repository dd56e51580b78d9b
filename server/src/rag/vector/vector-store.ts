/**
 * Where chunks live and how they are found. Two adapters: sqlite-vec + FTS5 in a SQLite file in
 * DATA_DIR (default, nothing to install) and pgvector + PostgreSQL full-text (VECTOR_DB=pgvector).
 * A collection is the original's `collection_name`: `file-<id>` for one file, the knowledge id for a
 * knowledge base. Vectors are optional: without an embedding model chunks are found by BM25 alone.
 */
export interface ChunkInput {
  id: string;
  text: string;
  vector: number[] | null;
  metadata: Record<string, unknown>;
}

export interface ChunkHit {
  id: string;
  text: string;
  metadata: Record<string, unknown>;
  /** Higher is better, 0..1: cosine similarity for vectors, a normalised rank for full-text. */
  score: number;
}

export interface VectorStore {
  /** Adds chunks to a collection, replacing those with the same ids. */
  upsert(collection: string, chunks: ChunkInput[]): Promise<void>;
  /** Removes the chunks of one file from a collection (metadata.file_id). */
  deleteFile(collection: string, fileId: string): Promise<void>;
  deleteCollection(collection: string): Promise<void>;
  /** Copies every chunk (with its vector) of `from` into `to`. */
  copy(from: string, to: string): Promise<number>;
  hasCollection(collection: string): Promise<boolean>;
  countChunks(collection: string): Promise<number>;
  vectorSearch(collections: string[], vector: number[], k: number): Promise<ChunkHit[]>;
  textSearch(collections: string[], query: string, k: number): Promise<ChunkHit[]>;
  /** Every chunk of the collections in document order (full-context mode). */
  all(collections: string[], limit: number): Promise<ChunkHit[]>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Words of a free-text query, for a full-text OR query; nothing of the user's syntax reaches SQL. */
export function queryTerms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  return [...new Set(words)].slice(0, 64);
}

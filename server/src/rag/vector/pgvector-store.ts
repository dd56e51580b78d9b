import pg from 'pg';
import { queryTerms, type ChunkHit, type ChunkInput, type VectorStore } from './vector-store.js';

interface Row {
  id: string;
  text: string;
  vmetadata: Record<string, unknown> | string;
  score?: number;
}

const meta = (v: Row['vmetadata']) => (typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>) : v);
const vectorLiteral = (v: number[]) => `[${v.join(',')}]`;

/**
 * VECTOR_DB=pgvector: the original's `document_chunk` table (id, vector, collection_name, text,
 * vmetadata) in PostgreSQL with the pgvector extension, for several instances sharing one store.
 * The vector column has no fixed size (any embedding model fits); each dimension seen gets a partial
 * HNSW index on `vector::vector(<dim>)` with cosine distance, which queries use by repeating that
 * expression. Full-text is a GIN index over `to_tsvector('simple', text)`. Production needs pgvector
 * installed on its PostgreSQL (`CREATE EXTENSION vector`); tests run it on PGlite.
 */
export class PgVectorStore implements VectorStore {
  #dims = new Set<number>();

  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string): Promise<PgVectorStore> {
    const pool = new pg.Pool({ connectionString: url, max: 5 });
    const store = new PgVectorStore(pool);
    await pool.query('create extension if not exists vector');
    await pool.query(`create table if not exists document_chunk (
      id text not null, vector vector, collection_name text not null, text text not null, vmetadata jsonb not null,
      primary key (collection_name, id))`);
    await pool.query(`create index if not exists document_chunk_file_idx on document_chunk (collection_name, (vmetadata->>'file_id'))`);
    await pool.query(`create index if not exists document_chunk_fts_idx on document_chunk using gin (to_tsvector('simple', text))`);
    const { rows } = await pool.query<{ indexname: string }>(`select indexname from pg_indexes where tablename = 'document_chunk' and indexname like 'document_chunk_hnsw_%'`);
    for (const r of rows) store.#dims.add(Number(r.indexname.slice('document_chunk_hnsw_'.length)));
    return store;
  }

  async #ensureDim(dim: number): Promise<void> {
    if (this.#dims.has(dim) || !Number.isInteger(dim) || dim <= 0 || dim > 16000) return;
    await this.pool.query(
      `create index if not exists document_chunk_hnsw_${dim} on document_chunk using hnsw ((vector::vector(${dim})) vector_cosine_ops) where vector_dims(vector) = ${dim}`,
    );
    this.#dims.add(dim);
  }

  async upsert(collection: string, chunks: ChunkInput[]): Promise<void> {
    if (!chunks.length) return;
    for (const d of new Set(chunks.map((c) => c.vector?.length ?? 0))) if (d) await this.#ensureDim(d);
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      // Batches keep each statement's parameter count well under PostgreSQL's limit.
      for (let i = 0; i < chunks.length; i += 500) {
        const batch = chunks.slice(i, i + 500);
        const values: unknown[] = [];
        const tuples = batch.map((c, j) => {
          values.push(c.id, c.vector ? vectorLiteral(c.vector) : null, collection, c.text, JSON.stringify(c.metadata));
          const b = j * 5;
          return `($${b + 1}, $${b + 2}::vector, $${b + 3}, $${b + 4}, $${b + 5}::jsonb)`;
        });
        await client.query(
          `insert into document_chunk (id, vector, collection_name, text, vmetadata) values ${tuples.join(',')}
           on conflict (collection_name, id) do update set vector = excluded.vector, text = excluded.text, vmetadata = excluded.vmetadata`,
          values,
        );
      }
      await client.query('commit');
    } catch (err) {
      await client.query('rollback');
      throw err;
    } finally {
      client.release();
    }
  }

  async deleteFile(collection: string, fileId: string): Promise<void> {
    await this.pool.query(`delete from document_chunk where collection_name = $1 and vmetadata->>'file_id' = $2`, [collection, fileId]);
  }

  async deleteCollection(collection: string): Promise<void> {
    await this.pool.query('delete from document_chunk where collection_name = $1', [collection]);
  }

  async copy(from: string, to: string): Promise<number> {
    const r = await this.pool.query(
      `insert into document_chunk (id, vector, collection_name, text, vmetadata)
       select id, vector, $2, text, vmetadata from document_chunk where collection_name = $1
       on conflict (collection_name, id) do update set vector = excluded.vector, text = excluded.text, vmetadata = excluded.vmetadata`,
      [from, to],
    );
    return r.rowCount ?? 0;
  }

  async hasCollection(collection: string): Promise<boolean> {
    const r = await this.pool.query('select 1 from document_chunk where collection_name = $1 limit 1', [collection]);
    return (r.rowCount ?? 0) > 0;
  }

  async countChunks(collection: string): Promise<number> {
    const r = await this.pool.query<{ n: string }>('select count(*) as n from document_chunk where collection_name = $1', [collection]);
    return Number(r.rows[0]?.n ?? 0);
  }

  async vectorSearch(collections: string[], vector: number[], k: number): Promise<ChunkHit[]> {
    const dim = vector.length;
    if (!Number.isInteger(dim) || dim <= 0 || dim > 16000 || !collections.length) return [];
    const { rows } = await this.pool.query<Row & { distance: number }>(
      `select id, text, vmetadata, (vector::vector(${dim})) <=> $1::vector(${dim}) as distance from document_chunk
       where vector_dims(vector) = ${dim} and collection_name = any($2) order by (vector::vector(${dim})) <=> $1::vector(${dim}) limit $3`,
      [vectorLiteral(vector), collections, k],
    );
    return rows.map((r) => ({ id: r.id, text: r.text, metadata: meta(r.vmetadata), score: 1 - Number(r.distance) }));
  }

  async textSearch(collections: string[], query: string, k: number): Promise<ChunkHit[]> {
    const terms = queryTerms(query);
    if (!terms.length || !collections.length) return [];
    // Terms are letters and digits only; bound as one parameter and joined with OR inside to_tsquery.
    const { rows } = await this.pool.query<Row>(
      `select id, text, vmetadata, ts_rank_cd(to_tsvector('simple', text), q) as score
       from document_chunk, to_tsquery('simple', $1) q
       where collection_name = any($2) and to_tsvector('simple', text) @@ q order by score desc limit $3`,
      [terms.join(' | '), collections, k],
    );
    const best = Number(rows[0]?.score) || 1;
    return rows.map((r) => ({ id: r.id, text: r.text, metadata: meta(r.vmetadata), score: Number(r.score) / best }));
  }

  async all(collections: string[], limit: number): Promise<ChunkHit[]> {
    const { rows } = await this.pool.query<Row>(
      `select id, text, vmetadata from document_chunk where collection_name = any($1)
       order by collection_name, vmetadata->>'file_id', (vmetadata->>'start_index')::bigint nulls last limit $2`,
      [collections, limit],
    );
    return rows.map((r) => ({ id: r.id, text: r.text, metadata: meta(r.vmetadata), score: 1 }));
  }

  async reset(): Promise<void> {
    await this.pool.query('delete from document_chunk');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

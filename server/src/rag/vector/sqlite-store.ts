import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { KnnClient } from './knn-client.js';
import { queryTerms, type ChunkHit, type ChunkInput, type VectorStore } from './vector-store.js';

/** Bit-index candidates per result wanted, and at least this many: recall of 1-bit quantization. */
const CANDIDATE_FACTOR = 25;
const MIN_CANDIDATES = 250;
const UPSERT_SLICE = 500;
/** Change-log entries kept for the vector worker; one that falls further behind reloads its cache. */
const LOG_KEEP = 100_000;
/** Default cap on the bit arrays the vector worker holds (about 2.6 million chunks of 768 dimensions). */
export const DEFAULT_INDEX_CACHE_BYTES = 256 * 1024 * 1024;

// A Buffer from SQLite may sit at any offset of a shared pool; Float32Array views need 4-byte alignment.
const floats = (b: Buffer) => (b.byteOffset % 4 === 0 ? new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4) : new Float32Array(new Uint8Array(b).buffer));

interface Row {
  rowid: number;
  id: string;
  text: string;
  metadata: string;
}

/**
 * The embedded store: one SQLite file, `DATA_DIR/vector_db/vectors.sqlite3`, apart from the main
 * database so its size and write load never touch it. Text, metadata and the float32 vector in
 * `chunk`; BM25 through an FTS5 index kept in step by triggers. Vector search is two-stage, the usual
 * way to make brute force cheap: sqlite-vec stores 1-bit quantized vectors (96 bytes for 768
 * dimensions; one `vec0` table per dimension, the collection as partition key); a worker thread
 * (knn-worker.mjs, its own read-only connection) keeps each queried collection's bits in memory, kept
 * in step through the `chunk_log` change log the triggers below write, scans them by Hamming distance
 * for candidates and ranks those exactly by cosine on their full vectors, off the event loop. A
 * collection no larger than the candidate count is searched exactly. better-sqlite3 is synchronous;
 * each call here is one short statement or transaction.
 */
export class SqliteVectorStore implements VectorStore {
  #db: Database.Database;
  #dims = new Set<number>();
  #knn: KnnClient;

  constructor(dataDir: string, opts: { indexCacheBytes?: number } = {}) {
    const dir = path.join(dataDir, 'vector_db');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'vectors.sqlite3');
    this.#db = new Database(file);
    this.#knn = new KnnClient(file, opts.indexCacheBytes ?? DEFAULT_INDEX_CACHE_BYTES);
    sqliteVec.load(this.#db);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec(`
      create table if not exists chunk (
        rowid integer primary key, id text not null, collection text not null, file_id text,
        text text not null, metadata text not null, dim integer, vector blob
      );
      create unique index if not exists chunk_collection_id on chunk (collection, id);
      create index if not exists chunk_collection_file on chunk (collection, file_id);
      create virtual table if not exists chunk_fts using fts5(text, content='chunk', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
      create trigger if not exists chunk_ai after insert on chunk begin
        insert into chunk_fts(rowid, text) values (new.rowid, new.text);
      end;
      create trigger if not exists chunk_ad after delete on chunk begin
        insert into chunk_fts(chunk_fts, rowid, text) values ('delete', old.rowid, old.text);
      end;
      -- What the vector worker replays to keep its in-memory bits in step (any connection's writes).
      create table if not exists chunk_log (seq integer primary key autoincrement, collection text not null, chunk_rowid integer not null, added integer not null);
      create trigger if not exists chunk_log_ai after insert on chunk when new.dim is not null begin
        insert into chunk_log (collection, chunk_rowid, added) values (new.collection, new.rowid, 1);
      end;
      create trigger if not exists chunk_log_ad after delete on chunk when old.dim is not null begin
        insert into chunk_log (collection, chunk_rowid, added) values (old.collection, old.rowid, 0);
      end;
    `);
    const tables = this.#db.prepare(`select name from sqlite_master where name like 'vbit\\_%' escape '\\' and sql like 'CREATE VIRTUAL TABLE%'`).all() as { name: string }[];
    for (const t of tables) {
      const dim = Number(t.name.slice(5));
      if (Number.isInteger(dim)) this.#dims.add(dim);
    }
  }

  /** The bit index for a dimension (null when the dimension is not a multiple of 8: exact scan then). */
  #bitTable(dim: number): string | null {
    if (dim % 8 !== 0) return null;
    if (!this.#dims.has(dim)) {
      this.#db.exec(`create virtual table if not exists vbit_${dim} using vec0(embedding bit[${dim}], collection text partition key)`);
      this.#dims.add(dim);
    }
    return `vbit_${dim}`;
  }

  /** Keeps the change log bounded (a range delete on its primary key). */
  #pruneLog(): void {
    this.#db.prepare('delete from chunk_log where seq <= (select max(seq) from chunk_log) - ?').run(LOG_KEEP);
  }

  #deleteRows(where: string, ...args: unknown[]): void {
    const rows = this.#db.prepare(`select rowid, dim from chunk where ${where}`).all(...args) as { rowid: number; dim: number | null }[];
    const del = this.#db.prepare('delete from chunk where rowid = ?');
    for (const r of rows) {
      const table = r.dim ? this.#bitTable(r.dim) : null;
      if (table) this.#db.prepare(`delete from ${table} where rowid = ?`).run(BigInt(r.rowid));
      del.run(r.rowid);
    }
  }

  /** Bulk delete (a file's or a collection's chunks): a few statements, however many rows. */
  #deleteWhere(where: string, ...args: unknown[]): void {
    const dims = this.#db.prepare(`select distinct dim from chunk where ${where} and dim is not null`).all(...args) as { dim: number }[];
    for (const { dim } of dims) {
      const table = this.#bitTable(dim);
      if (table) this.#db.prepare(`delete from ${table} where rowid in (select rowid from chunk where ${where})`).run(...args);
    }
    this.#db.prepare(`delete from chunk where ${where}`).run(...args);
    this.#pruneLog();
  }

  async upsert(collection: string, chunks: ChunkInput[]): Promise<void> {
    // Slices of UPSERT_SLICE rows per transaction, yielding between them, so indexing a large
    // document never holds the event loop for long.
    for (let i = 0; i < chunks.length; i += UPSERT_SLICE) {
      this.#upsertSlice(collection, chunks.slice(i, i + UPSERT_SLICE));
      if (i + UPSERT_SLICE < chunks.length) await new Promise((r) => setImmediate(r));
    }
  }

  #upsertSlice(collection: string, chunks: ChunkInput[]): void {
    const insert = this.#db.prepare('insert into chunk (id, collection, file_id, text, metadata, dim, vector) values (?, ?, ?, ?, ?, ?, ?)');
    this.#db.transaction(() => {
      for (const c of chunks) {
        this.#deleteRows('collection = ? and id = ?', collection, c.id);
        const dim = c.vector?.length || null;
        const fileId = typeof c.metadata.file_id === 'string' ? c.metadata.file_id : null;
        const blob = c.vector && dim ? Buffer.from(new Float32Array(c.vector).buffer) : null;
        const { lastInsertRowid } = insert.run(c.id, collection, fileId, c.text, JSON.stringify(c.metadata), dim, blob);
        const table = dim ? this.#bitTable(dim) : null;
        if (blob && table) {
          this.#db.prepare(`insert into ${table} (rowid, embedding, collection) values (?, vec_quantize_binary(?), ?)`).run(BigInt(lastInsertRowid), blob, collection);
        }
      }
      this.#pruneLog();
    })();
  }

  async deleteFile(collection: string, fileId: string): Promise<void> {
    this.#db.transaction(() => this.#deleteWhere('collection = ? and file_id = ?', collection, fileId))();
  }

  async deleteCollection(collection: string): Promise<void> {
    this.#db.transaction(() => this.#deleteWhere('collection = ?', collection))();
  }

  async copy(from: string, to: string): Promise<number> {
    const rows = this.#db.prepare('select id, text, metadata, vector from chunk where collection = ? order by rowid').all(from) as (Row & { vector: Buffer | null })[];
    const chunks: ChunkInput[] = rows.map((r) => ({
      id: r.id,
      text: r.text,
      metadata: JSON.parse(r.metadata) as Record<string, unknown>,
      vector: r.vector ? Array.from(floats(r.vector)) : null,
    }));
    await this.upsert(to, chunks);
    return chunks.length;
  }

  async hasCollection(collection: string): Promise<boolean> {
    return Boolean(this.#db.prepare('select 1 from chunk where collection = ? limit 1').get(collection));
  }

  async countChunks(collection: string): Promise<number> {
    return (this.#db.prepare('select count(*) as n from chunk where collection = ?').get(collection) as { n: number }).n;
  }

  #rows(rowids: number[]): Map<number, Row> {
    const out = new Map<number, Row>();
    if (!rowids.length) return out;
    const rows = this.#db.prepare(`select rowid, id, text, metadata from chunk where rowid in (${rowids.map(() => '?').join(',')})`).all(...rowids) as Row[];
    for (const r of rows) out.set(r.rowid, r);
    return out;
  }

  async vectorSearch(collections: string[], vector: number[], k: number): Promise<ChunkHit[]> {
    if (!collections.length || !vector.length) return [];
    // Oversampled candidates from the bit index; exact cosine decides among them (in the worker).
    const candidates = Math.max(k * CANDIDATE_FACTOR, MIN_CANDIDATES);
    const top = await this.#knn.search(collections, new Float32Array(vector), k, candidates);
    const rows = this.#rows(top.map((f) => f.rowid));
    return top.flatMap((f) => {
      const r = rows.get(f.rowid);
      return r ? [{ id: r.id, text: r.text, metadata: JSON.parse(r.metadata) as Record<string, unknown>, score: f.score }] : [];
    });
  }

  async textSearch(collections: string[], query: string, k: number): Promise<ChunkHit[]> {
    const terms = queryTerms(query);
    if (!terms.length || !collections.length) return [];
    const match = terms.map((t) => `"${t}"`).join(' OR ');
    const rows = this.#db
      .prepare(
        `select c.id, c.text, c.metadata, bm25(chunk_fts) as rank from chunk_fts join chunk c on c.rowid = chunk_fts.rowid
         where chunk_fts match ? and c.collection in (${collections.map(() => '?').join(',')}) order by rank limit ?`,
      )
      .all(match, ...collections, k) as (Row & { rank: number })[];
    // bm25() is negative, lower is better; scored relative to the best hit (1) so it reads like a similarity.
    const best = rows[0]?.rank || -1;
    return rows.map((r) => ({ id: r.id, text: r.text, metadata: JSON.parse(r.metadata) as Record<string, unknown>, score: best ? r.rank / best : 1 }));
  }

  async all(collections: string[], limit: number): Promise<ChunkHit[]> {
    if (!collections.length) return [];
    const rows = this.#db
      .prepare(`select id, text, metadata from chunk where collection in (${collections.map(() => '?').join(',')}) order by rowid limit ?`)
      .all(...collections, limit) as Row[];
    return rows.map((r) => ({ id: r.id, text: r.text, metadata: JSON.parse(r.metadata) as Record<string, unknown>, score: 1 }));
  }

  async reset(): Promise<void> {
    this.#db.exec('delete from chunk');
    // An emptied log is a gap for the worker: it drops its whole cache.
    this.#db.exec('delete from chunk_log');
    for (const dim of this.#dims) this.#db.exec(`drop table if exists vbit_${dim}`);
    this.#dims.clear();
    this.#db.exec(`insert into chunk_fts(chunk_fts) values ('rebuild')`);
  }

  async close(): Promise<void> {
    await this.#knn.close();
    this.#db.close();
  }
}

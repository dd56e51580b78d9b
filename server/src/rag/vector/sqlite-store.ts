import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { queryTerms, type ChunkHit, type ChunkInput, type VectorStore } from './vector-store.js';

interface Row {
  rowid: number;
  id: string;
  text: string;
  metadata: string;
}

/**
 * The embedded store: one SQLite file, `DATA_DIR/vector_db/vectors.sqlite3`, apart from the main
 * database so its size and write load never touch it. Text and metadata in `chunk`; BM25 through an
 * FTS5 index kept in step by triggers; vectors in one sqlite-vec `vec0` table per dimension with the
 * collection as partition key, so a query scans only the collections it names.
 * better-sqlite3 is synchronous; each call is one short statement or transaction.
 */
export class SqliteVectorStore implements VectorStore {
  #db: Database.Database;
  #dims = new Set<number>();

  constructor(dataDir: string) {
    const dir = path.join(dataDir, 'vector_db');
    fs.mkdirSync(dir, { recursive: true });
    this.#db = new Database(path.join(dir, 'vectors.sqlite3'));
    sqliteVec.load(this.#db);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec(`
      create table if not exists chunk (
        rowid integer primary key, id text not null, collection text not null, file_id text,
        text text not null, metadata text not null, dim integer
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
    `);
    const tables = this.#db.prepare(`select name from sqlite_master where name like 'vec\\_%' escape '\\' and sql like 'CREATE VIRTUAL TABLE%'`).all() as { name: string }[];
    for (const t of tables) {
      const dim = Number(t.name.slice(4));
      if (Number.isInteger(dim)) this.#dims.add(dim);
    }
  }

  #vecTable(dim: number): string {
    if (!this.#dims.has(dim)) {
      this.#db.exec(`create virtual table if not exists vec_${dim} using vec0(embedding float[${dim}] distance_metric=cosine, collection text partition key)`);
      this.#dims.add(dim);
    }
    return `vec_${dim}`;
  }

  #deleteRows(where: string, ...args: unknown[]): void {
    const rows = this.#db.prepare(`select rowid, dim from chunk where ${where}`).all(...args) as { rowid: number; dim: number | null }[];
    const del = this.#db.prepare('delete from chunk where rowid = ?');
    for (const r of rows) {
      if (r.dim) this.#db.prepare(`delete from ${this.#vecTable(r.dim)} where rowid = ?`).run(BigInt(r.rowid));
      del.run(r.rowid);
    }
  }

  async upsert(collection: string, chunks: ChunkInput[]): Promise<void> {
    const insert = this.#db.prepare('insert into chunk (id, collection, file_id, text, metadata, dim) values (?, ?, ?, ?, ?, ?)');
    this.#db.transaction(() => {
      for (const c of chunks) {
        this.#deleteRows('collection = ? and id = ?', collection, c.id);
        const dim = c.vector?.length || null;
        const fileId = typeof c.metadata.file_id === 'string' ? c.metadata.file_id : null;
        const { lastInsertRowid } = insert.run(c.id, collection, fileId, c.text, JSON.stringify(c.metadata), dim);
        if (c.vector && dim) {
          this.#db
            .prepare(`insert into ${this.#vecTable(dim)} (rowid, embedding, collection) values (?, ?, ?)`)
            .run(BigInt(lastInsertRowid), Buffer.from(new Float32Array(c.vector).buffer), collection);
        }
      }
    })();
  }

  async deleteFile(collection: string, fileId: string): Promise<void> {
    this.#db.transaction(() => this.#deleteRows('collection = ? and file_id = ?', collection, fileId))();
  }

  async deleteCollection(collection: string): Promise<void> {
    this.#db.transaction(() => this.#deleteRows('collection = ?', collection))();
  }

  async copy(from: string, to: string): Promise<number> {
    const rows = this.#db.prepare('select rowid, id, text, metadata, dim from chunk where collection = ? order by rowid').all(from) as (Row & { dim: number | null })[];
    const chunks: ChunkInput[] = rows.map((r) => {
      let vector: number[] | null = null;
      if (r.dim) {
        const v = this.#db.prepare(`select embedding from ${this.#vecTable(r.dim)} where rowid = ?`).get(BigInt(r.rowid)) as { embedding: Buffer } | undefined;
        if (v) vector = Array.from(new Float32Array(v.embedding.buffer, v.embedding.byteOffset, v.embedding.byteLength / 4));
      }
      return { id: r.id, text: r.text, metadata: JSON.parse(r.metadata) as Record<string, unknown>, vector };
    });
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
    const dim = vector.length;
    if (!this.#dims.has(dim)) return [];
    const blob = Buffer.from(new Float32Array(vector).buffer);
    const stmt = this.#db.prepare(`select rowid, distance from ${this.#vecTable(dim)} where embedding match ? and k = ? and collection = ?`);
    const found: { rowid: number; distance: number }[] = [];
    for (const c of collections) found.push(...(stmt.all(blob, k, c) as { rowid: number; distance: number }[]));
    found.sort((a, b) => a.distance - b.distance);
    const top = found.slice(0, k);
    const rows = this.#rows(top.map((f) => Number(f.rowid)));
    return top.flatMap((f) => {
      const r = rows.get(Number(f.rowid));
      return r ? [{ id: r.id, text: r.text, metadata: JSON.parse(r.metadata) as Record<string, unknown>, score: 1 - f.distance }] : [];
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
    for (const dim of this.#dims) this.#db.exec(`drop table if exists vec_${dim}`);
    this.#dims.clear();
    this.#db.exec(`insert into chunk_fts(chunk_fts) values ('rebuild')`);
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

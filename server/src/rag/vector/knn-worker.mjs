// @ts-check
/**
 * Runs in a worker thread (see knn-client.ts): the vector search of the embedded store, so neither the
 * Hamming scan nor the exact re-ranking ever holds the HTTP event loop. It opens its own read-only
 * connection to `vectors.sqlite3` (WAL: readers never block the writer) and is the only holder of the
 * collections' bit arrays — the main thread keeps none, so memory is not doubled.
 *
 * Staying correct while files are added: every insert/delete of a chunk with a vector is logged in
 * `chunk_log` by triggers (sqlite-store.ts). Before each search, when the connection's `data_version`
 * says someone committed, the worker reads the log past the last sequence it applied and updates the
 * cached collections in place (new bits appended, removed rows compacted out). A gap in the log (it is
 * pruned, or reset) drops the cache; collections load again on their next search. Each search is one
 * read transaction, so the log, the bits and the float vectors it reads are one snapshot.
 *
 * The cache is capped (`cacheBytes`, least recently used evicted). A collection larger than the cap
 * alone is searched by sqlite-vec's own KNN on the stored bits instead: slower, but bounded.
 *
 * Message in:  { id, collections: string[], vector: Float32Array, k, candidates }
 * Message out: { id, ok: true, hits: [{ rowid, score }] } (best first) | { id, ok: false, error }
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { BitIndex } from './bit-index.mjs';

/** Changes to one collection beyond which reloading it is cheaper than applying them. */
const RELOAD_AFTER = 20_000;

const { dbPath, cacheBytes } = /** @type {{ dbPath: string, cacheBytes: number }} */ (workerData);
const db = new Database(dbPath, { readonly: true, fileMustExist: true });
sqliteVec.load(db);

/** @type {Map<string, BitIndex>} by `<dim>:<collection>`, least recently used first. */
const cache = new Map();
let cachedBytes = 0;
let dataVersion = -1;
let lastSeq = highWater();

function highWater() {
  const row = /** @type {{ seq: number } | undefined} */ (db.prepare(`select seq from sqlite_sequence where name = 'chunk_log'`).get());
  return row ? Number(row.seq) : 0;
}

/** @param {number} dim */
function hasTable(dim) {
  return Boolean(db.prepare(`select 1 from sqlite_master where name = ?`).get(`vbit_${dim}`));
}

/** @param {string} key */
function drop(key) {
  const idx = cache.get(key);
  if (!idx) return;
  cachedBytes -= idx.bytes;
  cache.delete(key);
}

function dropAll() {
  cache.clear();
  cachedBytes = 0;
}

/** Applies what other connections committed since the last search to the cached collections. */
function sync() {
  const version = /** @type {number} */ (db.pragma('data_version', { simple: true }));
  if (version === dataVersion) return;
  dataVersion = version;
  const high = highWater();
  if (high <= lastSeq) {
    if (high < lastSeq) dropAll(); // the log was recreated
    lastSeq = high;
    return;
  }
  const min = /** @type {{ m: number | null }} */ (db.prepare('select min(seq) as m from chunk_log').get()).m;
  if (min === null || min > lastSeq + 1) {
    dropAll();
    lastSeq = high;
    return;
  }
  if (!cache.size) {
    lastSeq = high;
    return;
  }
  /** @type {Map<string, { added: Set<number>, gone: Set<number> }>} */
  const changes = new Map();
  const rows = db.prepare('select collection, chunk_rowid as rowid, added from chunk_log where seq > ? and seq <= ? order by seq').iterate(lastSeq, high);
  for (const r of /** @type {Iterable<{ collection: string, rowid: number, added: number }>} */ (rows)) {
    let c = changes.get(r.collection);
    if (!c) changes.set(r.collection, (c = { added: new Set(), gone: new Set() }));
    // Either way the row's old bits go; an added row's current bits (if it still exists) are read below.
    c.gone.add(Number(r.rowid));
    if (r.added) c.added.add(Number(r.rowid));
    else c.added.delete(Number(r.rowid));
  }
  lastSeq = high;
  for (const [key, idx] of cache) {
    const collection = key.slice(key.indexOf(':') + 1);
    const c = changes.get(collection);
    if (!c) continue;
    if (c.gone.size > RELOAD_AFTER || !hasTable(idx.dim)) {
      drop(key);
      continue;
    }
    const before = idx.bytes;
    idx.remove(c.gone);
    const get = db.prepare(`select embedding from vbit_${idx.dim} where rowid = ? and collection = ?`);
    for (const rowid of c.added) {
      const row = /** @type {{ embedding: Buffer } | undefined} */ (get.get(BigInt(rowid), collection));
      if (row) idx.add(rowid, row.embedding);
    }
    cachedBytes += idx.bytes - before;
  }
}

/**
 * The collection's bit index: cached, or loaded now; null when it alone would exceed the cap.
 * @param {number} dim @param {string} collection
 */
function index(dim, collection) {
  const key = `${dim}:${collection}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const n = /** @type {{ n: number }} */ (db.prepare('select count(*) as n from chunk where collection = ? and dim = ?').get(collection, dim)).n;
  const words = Math.ceil(dim / 32);
  if (n * (words * 4 + 8) > cacheBytes) return null;
  const idx = new BitIndex(dim, n);
  for (const r of /** @type {Iterable<{ rowid: number | bigint, embedding: Buffer }>} */ (db.prepare(`select rowid, embedding from vbit_${dim} where collection = ?`).iterate(collection))) {
    idx.add(Number(r.rowid), r.embedding);
  }
  cache.set(key, idx);
  cachedBytes += idx.bytes;
  for (const [k, old] of cache) {
    if (cachedBytes <= cacheBytes || k === key) break;
    cachedBytes -= old.bytes;
    cache.delete(k);
  }
  return idx;
}

/**
 * Row ids to rank exactly: the nearest by Hamming distance in each collection, or every row with a
 * vector of this dimension when there is no bit table for it (dimensions not a multiple of 8).
 * @param {string[]} collections @param {Float32Array} q @param {number} candidates
 */
function candidatesOf(collections, q, candidates) {
  const dim = q.length;
  if (dim % 8 !== 0 || !hasTable(dim)) {
    const rows = db.prepare(`select rowid from chunk where dim = ? and collection in (${collections.map(() => '?').join(',')})`).all(dim, ...collections);
    return /** @type {{ rowid: number }[]} */ (rows).map((r) => Number(r.rowid));
  }
  const qf = Buffer.from(q.buffer, q.byteOffset, q.byteLength);
  const packed = /** @type {{ b: Buffer }} */ (db.prepare('select vec_quantize_binary(?) as b').get(qf)).b;
  /** @type {number[]} */
  const out = [];
  for (const c of collections) {
    const idx = index(dim, c);
    if (idx) {
      for (const r of idx.nearest(packed, candidates)) out.push(r);
      continue;
    }
    // Over the cap: sqlite-vec's KNN reads the same bits from its table, chunk by chunk.
    const knn = db.prepare(`select rowid from vbit_${dim} where embedding match vec_quantize_binary(?) and k = ? and collection = ?`).all(qf, Math.min(candidates, 4096), c);
    for (const r of /** @type {{ rowid: number | bigint }[]} */ (knn)) out.push(Number(r.rowid));
  }
  return out;
}

/**
 * Exact cosine on the stored float32 vectors of the candidates, the best `k`: computed by sqlite-vec
 * in C inside one statement, so no vector is copied into JavaScript (250 blobs of 3 KB each were most
 * of the rerank's time).
 * @param {number[]} rowids @param {Float32Array} q @param {number} k
 */
function rank(rowids, q, k) {
  if (!rowids.length) return [];
  const rows = db
    .prepare(
      `select rowid, 1 - vec_distance_cosine(vector, ?) as score from chunk
       where rowid in (select value from json_each(?)) and dim = ? order by score desc limit ?`,
    )
    .all(Buffer.from(q.buffer, q.byteOffset, q.byteLength), JSON.stringify(rowids), q.length, k);
  return /** @type {{ rowid: number, score: number }[]} */ (rows).map((r) => ({ rowid: Number(r.rowid), score: Number.isFinite(r.score) ? r.score : 0 }));
}

const search = db.transaction(
  /** @param {string[]} collections @param {Float32Array} q @param {number} k @param {number} candidates */
  (collections, q, k, candidates) => {
    sync();
    return rank(candidatesOf(collections, q, candidates), q, k);
  },
);

parentPort?.on('message', (/** @type {{ id: number, collections: string[], vector: Float32Array, k: number, candidates: number }} */ m) => {
  try {
    parentPort?.postMessage({ id: m.id, ok: true, hits: search(m.collections, m.vector, m.k, m.candidates) });
  } catch (err) {
    // A statement on a table dropped under us (reset): forget everything and let the caller retry.
    dropAll();
    parentPort?.postMessage({ id: m.id, ok: false, error: /** @type {Error} */ (err).message });
  }
});

// The embedded store's vector search, measured in the bench process on the store file itself: the
// Hamming scan alone (the worker's BitIndex, the same module the server runs), and recall@k of
// "bit-index candidates, then exact cosine" against exact cosine over every vector.
import { BitIndex } from '../../server/src/rag/vector/bit-index.mjs';
import { embed } from './documents.mjs';
import { percentile } from './stats.mjs';

function cosineTop(vectors, n, dims, q, k, among) {
  const scored = [];
  const rows = among ?? Array.from({ length: n }, (_, i) => i);
  for (const i of rows) {
    let dot = 0;
    const o = i * dims;
    for (let j = 0; j < dims; j++) dot += vectors[o + j] * q[j];
    scored.push([i, dot]);
  }
  scored.sort((a, b) => b[1] - a[1]);
  return scored.slice(0, k).map((s) => s[0]);
}

/**
 * `db` is the open store file, `collection` the 100k collection, `vectorOf(i)` the i-th stored unit
 * vector (regenerated, not read: 307 MB), `queryText(i)` the bench's query texts.
 */
export function measureScan({ db, dims, collection, total, vectorOf, queryText }) {
  const rows = db.prepare(`select rowid, embedding from vbit_${dims} where collection = ? order by rowid`).all(collection);
  const idx = new BitIndex(dims, rows.length);
  const slotOf = new Map();
  for (const r of rows) {
    slotOf.set(Number(r.rowid), slotOf.size);
    idx.add(Number(r.rowid), r.embedding);
  }
  // The last `total` rows are the generated ones, in order; earlier rows (the uploaded file) are skipped.
  const first = rows.length - total;
  const quantize = db.prepare('select vec_quantize_binary(?) as b');
  const pack = (q) => quantize.get(Buffer.from(new Float32Array(q).buffer)).b;

  const scan = [];
  for (let i = 0; i < 60; i++) {
    const p = pack(vectorOf(2e6 + i));
    const t = performance.now();
    idx.nearest(p, 250);
    if (i >= 10) scan.push(performance.now() - t);
  }

  // Queries: the bench's own (hashed words, sparse) and "near" ones (a stored vector plus noise, cosine ~0.9
  // to it: a passage that answers the question). Exact top-k over all generated vectors.
  const vectors = new Float32Array(total * dims);
  for (let i = 0; i < total; i++) vectors.set(vectorOf(i + 1), i * dims);
  const Q = 12;
  const sets = {
    bench: Array.from({ length: Q }, (_, i) => embed(queryText(i), dims)),
    near: Array.from({ length: Q }, (_, i) => {
      const base = vectorOf(1 + ((i * 7919) % total));
      const noise = vectorOf(5e6 + i);
      const v = base.map((x, j) => x + 0.45 * noise[j]);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    }),
  };
  const recall = {};
  for (const [name, queries] of Object.entries(sets)) {
    const exact10 = queries.map((q) => cosineTop(vectors, total, dims, q, 10));
    for (const k of [1, 3, 10]) {
      const exact = exact10.map((e) => e.slice(0, k));
      for (const c of [100, 250, 500, 1000]) {
        let found = 0;
        queries.forEach((q, qi) => {
          const cand = idx.nearest(pack(q), c).map((r) => slotOf.get(r) - first).filter((s) => s >= 0);
          const got = new Set(cosineTop(vectors, total, dims, q, k, cand));
          found += exact[qi].filter((e) => got.has(e)).length;
        });
        recall[`${name}@${k}/${c}`] = found / (queries.length * k);
      }
    }
  }
  return { scanP50: percentile(scan, 50), scanP99: percentile(scan, 99), recall };
}

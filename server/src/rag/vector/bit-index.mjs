// @ts-check
/**
 * One collection's 1-bit quantized vectors (the bytes sqlite-vec's `vec_quantize_binary` stores, one bit
 * per dimension) in two typed arrays, scanned by Hamming distance. Lives in the vector worker
 * (knn-worker.mjs), never on the HTTP event loop. Plain JavaScript on purpose: a worker thread starts
 * from a file path, the same way from the TypeScript sources (tests) and from the bundled server.
 *
 * At 100,000 × 768 dimensions the bits are 9.6 MB and one scan reads them once, sequentially.
 */
export class BitIndex {
  /** @param {number} dim */
  constructor(dim, capacity = 1024) {
    this.dim = dim;
    /** 32-bit words per vector. */
    this.words = Math.ceil(dim / 32);
    this.size = 0;
    this.bits = new Uint32Array(this.words * Math.max(1, capacity));
    // Float64: SQLite rowids may exceed 2^31.
    this.rowids = new Float64Array(Math.max(1, capacity));
  }

  /** Bytes held (capacity, not just size): what the worker's cache cap counts. */
  get bytes() {
    return this.bits.byteLength + this.rowids.byteLength;
  }

  /** @param {number} n */
  #reserve(n) {
    if (n <= this.rowids.length) return;
    const cap = Math.max(n, Math.ceil(this.rowids.length * 1.25) + 1024);
    const bits = new Uint32Array(cap * this.words);
    bits.set(this.bits.subarray(0, this.size * this.words));
    const rowids = new Float64Array(cap);
    rowids.set(this.rowids.subarray(0, this.size));
    this.bits = bits;
    this.rowids = rowids;
  }

  /** Appends one vector (no check for a duplicate rowid: see `remove`). @param {number} rowid @param {Uint8Array} packed */
  add(rowid, packed) {
    this.#reserve(this.size + 1);
    const bytes = new Uint8Array(this.bits.buffer, this.size * this.words * 4, this.words * 4);
    bytes.fill(0);
    bytes.set(packed.subarray(0, bytes.length));
    this.rowids[this.size++] = rowid;
  }

  /**
   * Drops every entry whose rowid is in `gone`, in one pass that keeps the others in order (a file's
   * chunks are removed together, so one O(n) pass beats a lookup per row and needs no rowid map).
   * @param {Set<number>} gone
   */
  remove(gone) {
    if (!gone.size) return;
    const w = this.words;
    let out = 0;
    for (let i = 0; i < this.size; i++) {
      if (gone.has(this.rowids[i])) continue;
      if (out !== i) {
        this.rowids[out] = this.rowids[i];
        this.bits.copyWithin(out * w, i * w, i * w + w);
      }
      out++;
    }
    this.size = out;
  }

  /**
   * Hamming distance from `q` (`words` 32-bit words) to every entry, into `dist`: SWAR popcount of
   * each 32-bit word.
   * @param {Uint32Array} q @param {Uint16Array} dist
   */
  distances(q, dist) {
    const w = this.words;
    const bits = this.bits;
    for (let i = 0, o = 0; i < this.size; i++, o += w) {
      let d = 0;
      for (let j = 0; j < w; j++) {
        let x = bits[o + j] ^ q[j];
        x -= (x >>> 1) & 0x55555555;
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
      }
      dist[i] = d;
    }
  }

  /**
   * Row ids of the `count` entries nearest to `packed` by Hamming distance (ties in any order).
   * Selection is by counting: distances are small integers (0..dim), so a histogram gives the cutoff
   * distance in one pass and a second pass collects — O(n), no sort and no heap.
   * @param {Uint8Array} packed @param {number} count @returns {number[]}
   */
  nearest(packed, count) {
    if (this.size <= count) return Array.from(this.rowids.subarray(0, this.size));
    const qb = new Uint8Array(this.words * 4);
    qb.set(packed.subarray(0, qb.length));
    const q = new Uint32Array(qb.buffer);
    const dist = new Uint16Array(this.size);
    this.distances(q, dist);
    const histogram = new Uint32Array(this.words * 32 + 1);
    for (let i = 0; i < this.size; i++) histogram[dist[i]]++;
    let cutoff = 0;
    for (let acc = 0; cutoff < histogram.length; cutoff++) {
      acc += histogram[cutoff];
      if (acc >= count) break;
    }
    /** @type {number[]} */
    const out = [];
    for (let i = 0; i < this.size && out.length < count; i++) if (dist[i] < cutoff) out.push(this.rowids[i]);
    for (let i = 0; i < this.size && out.length < count; i++) if (dist[i] === cutoff) out.push(this.rowids[i]);
    return out;
  }
}

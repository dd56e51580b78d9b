import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module shared with the vector worker
import { BitIndex } from './bit-index.mjs';

const bytes = (...b: number[]) => new Uint8Array(b);
const popcount = (a: Uint8Array, b: Uint8Array) => a.reduce((d, x, i) => d + [...((x ^ b[i]!) >>> 0).toString(2)].filter((c) => c === '1').length, 0);

describe('BitIndex', () => {
  it('returns the entries nearest by Hamming distance, all of them when few', () => {
    const idx = new BitIndex(16);
    idx.add(1, bytes(0b0000_0000, 0));
    idx.add(2, bytes(0b0000_0001, 0));
    idx.add(3, bytes(0b1111_1111, 0xff));
    idx.add(4, bytes(0b0000_0011, 0));
    expect(idx.nearest(bytes(0, 0), 10).sort()).toEqual([1, 2, 3, 4]);
    expect(idx.nearest(bytes(0, 0), 2).sort()).toEqual([1, 2]);
    expect(idx.nearest(bytes(0xff, 0xff), 1)).toEqual([3]);
  });

  it('grows past its first allocation and handles dimensions that are not a multiple of 32', () => {
    const idx = new BitIndex(40);
    for (let i = 0; i < 3000; i++) idx.add(i, bytes(i & 0xff, (i >> 8) & 0xff, 0, 0, i === 2999 ? 0xff : 0));
    expect(idx.size).toBe(3000);
    expect(idx.nearest(bytes(2999 & 0xff, (2999 >> 8) & 0xff, 0, 0, 0xff), 1)).toEqual([2999]);
  });

  it('the grouped popcount equals a plain bit count at 768, 1536 and odd dimensions', () => {
    for (const dim of [768, 1536, 3072, 200, 72]) {
      const n = Math.ceil(dim / 8);
      let seed = dim;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
      const rows = Array.from({ length: 50 }, () => Uint8Array.from({ length: n }, rnd));
      // An all-ones row: the largest distance, where lane overflow would show.
      rows.push(new Uint8Array(n).fill(0xff));
      const idx = new BitIndex(dim);
      rows.forEach((r, i) => idx.add(i, r));
      const q = new Uint8Array(n);
      const qw = new Uint8Array(idx.words * 4);
      qw.set(q);
      const dist = new Uint16Array(rows.length);
      idx.distances(new Uint32Array(qw.buffer), dist);
      expect(Array.from(dist)).toEqual(rows.map((r) => popcount(r, q)));
    }
  });

  it('removes a set of rows in one pass, keeping the others and their bits', () => {
    const idx = new BitIndex(8);
    for (let i = 0; i < 10; i++) idx.add(100 + i, bytes(i));
    idx.remove(new Set([100, 105, 109, 42]));
    expect(idx.size).toBe(7);
    expect(idx.nearest(bytes(5), 1)).not.toContain(105);
    expect(idx.nearest(bytes(7), 1)).toEqual([107]);
    expect(idx.nearest(bytes(0), 7).sort()).toEqual([101, 102, 103, 104, 106, 107, 108]);
  });
});

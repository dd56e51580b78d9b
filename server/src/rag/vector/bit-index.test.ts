import { describe, expect, it } from 'vitest';
import { BitIndex } from './bit-index.js';

const bytes = (...b: number[]) => new Uint8Array(b);

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
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteVectorStore } from './sqlite-store.js';

const unit = (i: number, dim = 32) => Array.from({ length: dim }, (_, j) => (j === i % dim ? 1 : 0.01 * ((i * 7 + j) % 5)));

describe('SqliteVectorStore', () => {
  const dirs: string[] = [];
  const open = (opts: { indexCacheBytes?: number } = {}) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-'));
    dirs.push(d);
    return { store: new SqliteVectorStore(d, opts), dir: d };
  };
  // Seeded random vectors: distinct directions, so each chunk's own vector finds it first.
  const rand = (seed: number, dim = 64) => {
    let x = seed * 2654435761 >>> 0;
    return Array.from({ length: dim }, () => ((x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5);
  };
  const many = (n: number, file: string, from = 0) =>
    Array.from({ length: n }, (_, i) => ({ id: `${file}-${from + i}`, text: `t ${from + i}`, vector: rand(from + i + 1), metadata: { file_id: file } }));
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('vector and full-text search, copy, bulk delete by file and collection', async () => {
    const { store } = open();
    const chunks = Array.from({ length: 1200 }, (_, i) => ({ id: `c${i}`, text: `chunk number ${i} about topic${i % 10}`, vector: unit(i), metadata: { file_id: i < 600 ? 'f1' : 'f2' } }));
    await store.upsert('k', chunks);
    expect(await store.countChunks('k')).toBe(1200);
    const hits = await store.vectorSearch(['k'], unit(5), 3);
    expect(hits[0]!.score).toBeGreaterThan(0.99);
    expect(hits.map((h) => h.id)).toContain('c5');
    expect((await store.textSearch(['k'], 'topic3', 2))[0]!.text).toContain('topic3');

    expect(await store.copy('k', 'k2')).toBe(1200);
    await store.deleteFile('k', 'f1');
    expect(await store.countChunks('k')).toBe(600);
    expect((await store.vectorSearch(['k'], unit(5), 600)).every((h) => h.metadata.file_id === 'f2')).toBe(true);
    await store.deleteCollection('k');
    expect(await store.hasCollection('k')).toBe(false);
    expect((await store.vectorSearch(['k2'], unit(7), 1))[0]!.id).toBe('c7');
    await store.close();
  });

  it("another connection's writes are seen (its worker replays the change log)", async () => {
    const { store: a, dir } = open();
    const b = new SqliteVectorStore(dir);
    await a.upsert('x', [{ id: '1', text: 'one', vector: unit(1), metadata: {} }]);
    expect((await b.vectorSearch(['x'], unit(1), 5)).map((h) => h.id)).toEqual(['1']);
    await a.upsert('x', [{ id: '2', text: 'two', vector: unit(2), metadata: {} }]);
    expect((await b.vectorSearch(['x'], unit(2), 1)).map((h) => h.id)).toEqual(['2']);
    await a.close();
    await b.close();
  });

  it('the worker keeps a cached collection in step with adds, deletes and reset (more rows than candidates)', async () => {
    const { store } = open();
    await store.upsert('big', many(800, 'f1'));
    expect((await store.vectorSearch(['big'], rand(11), 1))[0]!.id).toBe('f1-10');
    // Added after the collection's bits were cached: found at once, with the exact cosine.
    await store.upsert('big', many(300, 'f2', 5000));
    const hit = (await store.vectorSearch(['big'], rand(5101), 2))[0]!;
    expect(hit.id).toBe('f2-5100');
    expect(hit.score).toBeGreaterThan(0.999);
    // Replacing a chunk's vector: the old direction no longer finds it first.
    await store.upsert('big', [{ id: 'f1-10', text: 'moved', vector: rand(99_999), metadata: { file_id: 'f1' } }]);
    expect((await store.vectorSearch(['big'], rand(99_999), 1))[0]!.text).toBe('moved');
    expect((await store.vectorSearch(['big'], rand(11), 1))[0]!.score).toBeLessThan(0.9);
    await store.deleteFile('big', 'f2');
    const after = await store.vectorSearch(['big'], rand(5101), 50);
    expect(after.every((h) => h.metadata.file_id === 'f1')).toBe(true);
    await store.reset();
    expect(await store.vectorSearch(['big'], rand(11), 3)).toEqual([]);
    await store.upsert('big', many(400, 'f3'));
    expect((await store.vectorSearch(['big'], rand(21), 1))[0]!.id).toBe('f3-20');
    await store.close();
  });

  it('a collection over the cache cap is searched by sqlite-vec on the stored bits, with the same answer', async () => {
    const { store } = open({ indexCacheBytes: 1024 });
    await store.upsert('big', many(600, 'f1'));
    const hits = await store.vectorSearch(['big'], rand(42), 3);
    expect(hits[0]!.id).toBe('f1-41');
    expect(hits[0]!.score).toBeGreaterThan(0.999);
    await store.close();
    await expect(store.vectorSearch(['big'], rand(42), 3)).rejects.toThrow(/closed/);
  });

  it('searches run in the worker: the event loop keeps turning while they do', async () => {
    const { store } = open();
    await store.upsert('big', many(3000, 'f1'));
    await store.vectorSearch(['big'], rand(1), 1); // loads the collection's bits in the worker
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    // Were the scan synchronous, all 20 would be done before the first setImmediate could run.
    const hits = await Promise.all(Array.from({ length: 20 }, (_, i) => store.vectorSearch(['big'], rand(i + 1), 1)));
    running = false;
    expect(hits.map((h) => h[0]!.id)).toEqual(Array.from({ length: 20 }, (_, i) => `f1-${i}`));
    expect(turns).toBeGreaterThan(0);
    await store.close();
  });
});

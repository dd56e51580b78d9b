import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteVectorStore } from './sqlite-store.js';

const unit = (i: number, dim = 32) => Array.from({ length: dim }, (_, j) => (j === i % dim ? 1 : 0.01 * ((i * 7 + j) % 5)));

describe('SqliteVectorStore', () => {
  const dirs: string[] = [];
  const open = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vs-'));
    dirs.push(d);
    return { store: new SqliteVectorStore(d), dir: d };
  };
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

  it("another connection's writes are seen (the in-memory index is reloaded)", async () => {
    const { store: a, dir } = open();
    const b = new SqliteVectorStore(dir);
    await a.upsert('x', [{ id: '1', text: 'one', vector: unit(1), metadata: {} }]);
    expect((await b.vectorSearch(['x'], unit(1), 5)).map((h) => h.id)).toEqual(['1']);
    await a.upsert('x', [{ id: '2', text: 'two', vector: unit(2), metadata: {} }]);
    expect((await b.vectorSearch(['x'], unit(2), 1)).map((h) => h.id)).toEqual(['2']);
    await a.close();
    await b.close();
  });
});

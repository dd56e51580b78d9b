import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module shared with the extraction worker
import { splitText } from './splitters.mjs';

type Chunk = { text: string; start: number };

describe('splitText', () => {
  it('character: chunks within size, overlap of whole pieces, start offsets point into the text', async () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa\n\nlambda mu nu xi omicron pi rho';
    const chunks = (await splitText(text, { size: 20, overlap: 6, splitter: '' })) as Chunk[];
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(20);
      expect(text.slice(c.start, c.start + c.text.length)).toBe(c.text);
    }
    // Consecutive chunks share a word (the overlap).
    expect(chunks[1]!.text.split(' ')[0]).toBe(chunks[0]!.text.split(' ').at(-1));
  });

  it('token: windows of tokens with overlap; empty text gives no chunks', async () => {
    const text = 'one two three four five six seven eight nine ten eleven twelve';
    const chunks = (await splitText(text, { size: 4, overlap: 1, splitter: 'token' })) as Chunk[];
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks[0]!.text).toBe('one two three four');
    expect(await splitText('   ', { size: 10, overlap: 0, splitter: '' })).toEqual([]);
  });
});

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chunksToSse } from '../../llm/translate/chat-stream.js';
import type { UpstreamResponse } from '../../llm/upstreams.js';
import { OllamaChunks } from './ollama-sse.js';

/** An upstream response whose body yields these pieces, then ends (or fails with `fail`). */
function upstream(pieces: string[], fail?: Error): UpstreamResponse {
  const body = new Readable({ read() {} });
  setImmediate(() => {
    for (const p of pieces) body.push(Buffer.from(p));
    // The failure comes later, as from a socket: destroying at once would drop what was pushed unread.
    if (fail) setTimeout(() => body.destroy(fail), 20);
    else body.push(null);
  });
  return { status: 200, ok: true, headers: {}, body, json: async () => ({}), text: async () => '', dump: async () => {} } as UpstreamResponse;
}

async function text(stream: AsyncIterable<unknown>): Promise<string> {
  let s = '';
  for await (const piece of stream) s += String(piece);
  // Ids and times differ between two translations; the rest must not.
  return s.replace(/"id":"chatcmpl-[^"]+"/g, '"id":"X"').replace(/"created":\d+/g, '"created":0');
}

const line = (o: unknown) => `${JSON.stringify(o)}\n`;
const CASES: [string, string[], Error?][] = [
  ['a whole reply, lines split across reads', [line({ model: 'm', message: { content: 'He' }, done: false }).slice(0, 20), line({ model: 'm', message: { content: 'He' }, done: false }).slice(20) + line({ model: 'm', message: { content: 'llo' }, done: false }) + '\n', line({ model: 'm', message: { content: '' }, done: true, eval_count: 3 })]],
  ['a malformed line', [line({ model: 'm', message: { content: 'a' } }), 'not json\n', line({ model: 'm', message: { content: 'b' } })]],
  ['an error line', [line({ model: 'm', message: { content: 'a' } }), line({ error: 'model crashed' })]],
  ['a last line without a newline', [line({ model: 'm', message: { content: 'a' } }), JSON.stringify({ model: 'm', message: { content: '' }, done: true })]],
  ['a broken upstream', [line({ model: 'm', message: { content: 'a' } })], Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })],
];

describe('OllamaChunks: pushed SSE equals the iterated chunks as SSE', () => {
  for (const [name, pieces, fail] of CASES) {
    it(name, async () => {
      const pushed = await text(new OllamaChunks(upstream(pieces, fail)).sseStream());
      const iterated = await text(chunksToSse(new OllamaChunks(upstream(pieces, fail))));
      expect(pushed).toBe(iterated);
      expect(pushed.startsWith('data: {')).toBe(true);
    });
  }

  it('is read once', () => {
    const c = new OllamaChunks(upstream([]));
    c.sseStream().resume();
    expect(() => c[Symbol.asyncIterator]()).toThrow(/once/);
  });
});

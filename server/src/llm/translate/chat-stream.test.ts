import { describe, expect, it } from 'vitest';
import type { IdSource } from './chat-response.js';
import { chunksToSse, OllamaStreamTranslator, ollamaStreamToChunks, parseOllamaChatLine, sseEvent } from './chat-stream.js';
import { LineSplitter, parseNdjsonLine, sseData } from './lines.js';

function fixedIds(): IdSource {
  let n = 0;
  return { completionId: () => 'chatcmpl-s', toolCallId: () => `call_${++n}`, now: () => 1700000000 };
}

async function* bytes(text: string, pieceSize: number): AsyncGenerator<Uint8Array> {
  const all = new TextEncoder().encode(text);
  for (let i = 0; i < all.length; i += pieceSize) yield all.subarray(i, i + pieceSize);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

// NDJSON as recorded from Ollama /api/chat with stream:true (a thinking model that calls a tool).
const RECORDED = [
  { model: 'qwen3:8b', created_at: 't', message: { role: 'assistant', content: '', thinking: 'Need weather' }, done: false },
  { model: 'qwen3:8b', created_at: 't', message: { role: 'assistant', content: 'Checking ' }, done: false },
  { model: 'qwen3:8b', created_at: 't', message: { role: 'assistant', content: 'the weather… ☀️' }, done: false },
  {
    model: 'qwen3:8b',
    created_at: 't',
    message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
    done: false,
  },
  {
    model: 'qwen3:8b',
    created_at: 't',
    message: { role: 'assistant', content: '' },
    done_reason: 'stop',
    done: true,
    total_duration: 2_000_000_000,
    load_duration: 1_000_000,
    prompt_eval_count: 12,
    prompt_eval_duration: 60_000_000,
    eval_count: 8,
    eval_duration: 400_000_000,
  },
];
const NDJSON = RECORDED.map((l) => JSON.stringify(l)).join('\n') + '\n';

describe('Ollama NDJSON stream -> OpenAI chat.completion.chunk', () => {
  it('translates chunk by chunk, whatever the byte boundaries (multi-byte characters split too)', async () => {
    for (const size of [1, 3, 7, 64, 100000]) {
      const chunks = await collect(ollamaStreamToChunks(bytes(NDJSON, size), fixedIds()));
      expect(chunks.map((c) => (c.choices as { delta: unknown; finish_reason: unknown }[])[0])).toEqual([
        { index: 0, logprobs: null, finish_reason: null, delta: { role: 'assistant', reasoning_content: 'Need weather' } },
        { index: 0, logprobs: null, finish_reason: null, delta: { content: 'Checking ' } },
        { index: 0, logprobs: null, finish_reason: null, delta: { content: 'the weather… ☀️' } },
        {
          index: 0,
          logprobs: null,
          finish_reason: null,
          delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        },
        { index: 0, logprobs: null, finish_reason: 'tool_calls', delta: {} },
      ]);
      expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(['chatcmpl-s']));
      expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'qwen3:8b' && c.created === 1700000000)).toBe(true);
      expect(chunks.slice(0, -1).every((c) => c.usage === undefined)).toBe(true);
      expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 8, total_tokens: 20, 'response_token/s': 20, 'prompt_token/s': 200 });
    }
  });

  it('ends the SSE text with data: [DONE], and a plain stream finishes with "stop"', async () => {
    const plain = [
      { model: 'm', message: { role: 'assistant', content: 'Hi' }, done: false },
      { model: 'm', message: { role: 'assistant', content: '' }, done: true, eval_count: 1, prompt_eval_count: 1 },
    ]
      .map((l) => JSON.stringify(l) + '\n')
      .join('');
    const sse = (await collect(chunksToSse(ollamaStreamToChunks(bytes(plain, 5), fixedIds()))));
    expect(sse).toHaveLength(3);
    expect(sse[2]).toBe('data: [DONE]\n\n');
    const events = await collect(sseData(bytes(sse.join(''), 4)));
    expect(events.at(-1)).toBe('[DONE]');
    const last = JSON.parse(events[1]!);
    expect(last.choices[0]).toEqual({ index: 0, logprobs: null, finish_reason: 'stop', delta: {} });
    expect(last.usage.total_tokens).toBe(2);
  });

  it('turns an Ollama error line into an OpenAI error event and stops without [DONE]', async () => {
    const text = JSON.stringify({ model: 'm', message: { content: 'a' }, done: false }) + '\n' + JSON.stringify({ error: 'model crashed' }) + '\n';
    const sse = await collect(chunksToSse(ollamaStreamToChunks(bytes(text, 9), fixedIds())));
    expect(sse).toHaveLength(2);
    expect(JSON.parse(sse[1]!.slice(6))).toEqual({ error: { message: 'model crashed', type: 'upstream_error', code: null } });
  });

  it('handles CRLF, a missing final newline and blank lines', () => {
    const s = new LineSplitter();
    expect(s.push('{"a":1}\r\n\r\n{"b"')).toEqual(['{"a":1}', '', ]);
    expect(s.push(':2}')).toEqual([]);
    expect(s.end()).toEqual(['{"b":2}']);
  });

  it('costs no more per chunk for a 50,000-chunk stream than for a 500-chunk one (linear time)', () => {
    const line = (i: number, done = false) => ({
      model: 'llama3.2:latest',
      created_at: '2025-10-01T10:00:00Z',
      message: { role: 'assistant', content: done ? '' : `token${i} ` },
      done,
      ...(done ? { eval_count: i, prompt_eval_count: 3, eval_duration: 1e9, prompt_eval_duration: 1e8, total_duration: 2e9 } : {}),
    });
    const encoder = new TextEncoder();
    const buildInput = (n: number) => {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < n; i++) parts.push(encoder.encode(JSON.stringify(line(i, i === n - 1)) + '\n'));
      return parts;
    };
    // The pure, synchronous path the async generator runs per chunk: split lines, parse, translate, encode.
    const run = (parts: Uint8Array[]) => {
      const splitter = new LineSplitter();
      const t = new OllamaStreamTranslator(fixedIds());
      let outBytes = 0;
      const start = process.cpuUsage();
      for (const p of parts) for (const l of splitter.push(p)) outBytes += `data: ${JSON.stringify(t.translate(JSON.parse(l)))}\n\n`.length;
      const used = process.cpuUsage(start);
      return { micros: used.user + used.system, outBytes };
    };
    const small = buildInput(500);
    const large = buildInput(50_000);
    run(small); // warm the JIT
    run(large);
    const perSmall = Math.min(...[0, 1, 2, 3, 4].map(() => run(small).micros)) / 500;
    const perLarge = Math.min(...[0, 1].map(() => run(large).micros)) / 50_000;
    // Quadratic behaviour would make the large stream ~100x worse per chunk; allow generous noise.
    expect(perLarge).toBeLessThan(Math.max(perSmall * 3, 5));
  });
});

describe('OllamaStreamTranslator#contentEvent', () => {
  const line = (message: unknown, extra: Record<string, unknown> = {}) => ({ model: 'qwen3:8b', created_at: 't', message, done: false, ...extra });
  const LINES: Record<string, unknown>[] = [
    line({ role: 'assistant', content: 'first' }),
    line({ role: 'assistant', content: 'plain ' }),
    line({ role: 'assistant', content: 'quotes " \\ \n\t and \u2028, emoji ☀️, lone \ud800' }),
    line({ role: 'assistant', content: 'x' }, { model: 'other "model"' }),
    line({ role: 'assistant', content: 'no model' }, { model: 7 }),
    line({ role: 'assistant', content: 'with empty thinking', thinking: '' }),
    line({ role: 'assistant', content: 'with thinking', thinking: 'hmm' }),
    line({ role: 'assistant', content: 'non-string thinking', thinking: 3 }),
    line({ role: 'assistant', content: '' }),
    line({ role: 'assistant', content: 5 }),
    line({ role: 'assistant', content: 'tools', tool_calls: [{ function: { name: 'f', arguments: {} } }] }),
    line({ role: 'assistant', content: 'empty tools', tool_calls: [] }),
    line(null),
    line('text'),
    line({ role: 'assistant', content: 'error' }, { error: 'boom' }),
    line({ role: 'assistant', content: 'back to the first model' }),
    line({ role: 'assistant', content: 'last' }, { done: true, eval_count: 3 }),
  ];

  it('gives the bytes of sseEvent(translate(line)) for plain content lines and declines every other line', () => {
    const fast = new OllamaStreamTranslator(fixedIds());
    const slow = new OllamaStreamTranslator(fixedIds());
    let taken = 0;
    for (const l of LINES) {
      const expected = sseEvent(slow.translate(l));
      const event = fast.contentEvent(l);
      // Declined lines go through `translate`, which keeps both translators in the same state.
      if (event === undefined) expect(sseEvent(fast.translate(l))).toBe(expected);
      else {
        taken++;
        expect(event).toBe(expected);
      }
    }
    // the first line, thinking, empty or non-string content, tool calls, a non-object message, an
    // error and the done line go the general way
    expect(taken).toBe(8);
  });
});

describe('OllamaStreamTranslator#contentLine', () => {
  const ollama = (model: string, content: string) => `{"model":${JSON.stringify(model)},"created_at":"2026-12-02T02:00:00.123Z","message":{"role":"assistant","content":${JSON.stringify(content)}},"done":false}`;
  const TEXTS = [
    ollama('qwen3:8b', 'first'),
    ollama('qwen3:8b', 'plain '),
    ollama('qwen3:8b', 'emoji ☀️ and \u2028 and é'),
    ollama('qwen3:8b', 'quotes " and \\ backslash'),
    ollama('qwen3:8b', 'tab\tnewline\n'),
    ollama('qwen3:8b', ''),
    ollama('other model/name:1', 'model changed'),
    ollama('qwen3:8b', 'back'),
    '{"model":"qwen3:8b","created_at":"t","message":{"role":"assistant","content":"\\u0041 escaped"},"done":false}',
    '{"model":"qwen3:8b","created_at":"t","message":{"role":"assistant","content":"thinks","thinking":"x"},"done":false}',
    '{"created_at":"t","model":"qwen3:8b","message":{"role":"assistant","content":"key order"},"done":false}',
    '{"model":"qwen3:8b","created_at":"t","message":{"role":"assistant","content":"spaced"}, "done":false}',
    '{"model":"qwen3:8b","created_at":"t","message":{"role":"assistant","content":"trailing"},"done":false} ',
    '{"model":"qwen3:8b","created_at":"t","message":{"role":"assistant","content":"done"},"done":true}',
    '{"model":"qwen3:8b","created_at":"t","message":{"role":"assistant","content":"bad "quote"},"done":false}',
    '{"model":"qwen3:8b","created_at":"t","message":{"role":"assistant","content":"lone \ud800 surrogate"},"done":false}',
  ];

  it("gives the bytes of the parsed line's event for Ollama's usual shape and declines any other text", () => {
    const fast = new OllamaStreamTranslator(fixedIds());
    const slow = new OllamaStreamTranslator(fixedIds());
    const taken: string[] = [];
    for (const text of TEXTS) {
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = undefined;
      }
      const expected = parsed && (slow.contentEvent(parsed) ?? sseEvent(slow.translate(parsed)));
      const event = fast.contentLine(text);
      if (event === undefined) {
        if (parsed) expect(fast.contentEvent(parsed) ?? sseEvent(fast.translate(parsed))).toBe(expected);
      } else {
        taken.push(JSON.parse(text).message.content);
        expect(event).toBe(expected);
      }
    }
    // not the first line, escapes, other key orders, spacing, thinking, done, broken JSON or a lone surrogate
    expect(taken).toEqual(['plain ', 'emoji ☀️ and \u2028 and é', 'model changed', 'back']);
  });

  it('parseOllamaChatLine gives the object JSON.parse gives, keys in the same order, for every line', () => {
    for (const text of [...TEXTS, '', '   ', 'not json', '{"status":"pulling manifest"}']) {
      expect(JSON.stringify(parseOllamaChatLine(text)), text).toBe(JSON.stringify(parseNdjsonLine(text)));
    }
  });
});

describe('LineSplitter decoding', () => {
  const TEXT = '\ufeff{"a":"é☀️"}\n{"b":"\u2028 ok"}\r\n{"c":"x"}\n';
  const BYTES = Buffer.concat([Buffer.from(TEXT), Buffer.from([0x7b, 0xff, 0xc3, 0x28, 0x7d, 0x0a, 0xe2, 0x82, 0x0a]), Buffer.from('{"tail":"日本"}')]);

  it('gives the lines of one whole TextDecoder pass for Buffers cut anywhere (BOM, split and invalid bytes)', () => {
    const whole = new TextDecoder().decode(BYTES).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    for (let size = 1; size <= 9; size++) {
      const splitter = new LineSplitter();
      const lines: string[] = [];
      for (let i = 0; i < BYTES.length; i += size) lines.push(...splitter.push(BYTES.subarray(i, i + size)));
      lines.push(...splitter.end());
      expect(lines, `pieces of ${size}`).toEqual(whole);
    }
  });
});

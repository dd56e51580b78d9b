import { describe, expect, it } from 'vitest';
import { ollamaChatToOpenai, ollamaUsageToOpenai, type IdSource } from './chat-response.js';
import { openaiEmbeddingsToOllama, ollamaEmbeddingsToOpenai } from './embeddings.js';

function fixedIds(): IdSource {
  let n = 0;
  return { completionId: () => 'chatcmpl-test', toolCallId: () => `call_${++n}`, now: () => 1700000000 };
}

// A reply as recorded from Ollama 0.12 /api/chat with stream:false.
const OLLAMA_REPLY = {
  model: 'llama3.2:latest',
  created_at: '2025-10-01T10:00:00.123Z',
  message: { role: 'assistant', content: 'Hello there!' },
  done_reason: 'stop',
  done: true,
  total_duration: 3_723_000_000_000,
  load_duration: 12_000_000,
  prompt_eval_count: 26,
  prompt_eval_duration: 130_000_000,
  eval_count: 5,
  eval_duration: 250_000_000,
};

describe('Ollama /api/chat reply -> OpenAI chat.completion', () => {
  it('translates text and usage with the original usage fields', () => {
    expect(ollamaChatToOpenai(OLLAMA_REPLY, fixedIds())).toEqual({
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: 1700000000,
      model: 'llama3.2:latest',
      choices: [{ index: 0, logprobs: null, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello there!' } }],
      usage: {
        input_tokens: 26,
        output_tokens: 5,
        total_tokens: 31,
        prompt_tokens: 26,
        completion_tokens: 5,
        'response_token/s': 20,
        'prompt_token/s': 200,
        total_duration: 3_723_000_000_000,
        load_duration: 12_000_000,
        prompt_eval_count: 26,
        prompt_eval_duration: 130_000_000,
        eval_count: 5,
        eval_duration: 250_000_000,
        approximate_total: '1h2m3s',
        completion_tokens_details: { reasoning_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
    });
  });

  it('translates thinking and tool calls (arguments object -> JSON string, ids generated when missing)', () => {
    const out = ollamaChatToOpenai(
      {
        model: 'qwen3:8b',
        message: {
          role: 'assistant',
          content: '',
          thinking: 'User wants weather.',
          tool_calls: [
            { function: { name: 'get_weather', arguments: { city: 'Paris' } } },
            { id: 'call_x', function: { index: 1, name: 'get_time', arguments: {} } },
          ],
        },
        done: true,
        prompt_eval_count: 10,
        eval_count: 3,
      },
      fixedIds(),
    );
    expect(out.choices).toEqual([
      {
        index: 0,
        logprobs: null,
        finish_reason: 'tool_calls',
        message: {
          role: 'assistant',
          content: '',
          reasoning_content: 'User wants weather.',
          tool_calls: [
            { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { index: 1, id: 'call_x', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
      },
    ]);
  });

  it('reports N/A speeds when durations are missing', () => {
    const u = ollamaUsageToOpenai({ prompt_eval_count: 1, eval_count: 2 });
    expect(u).toMatchObject({ total_tokens: 3, 'response_token/s': 'N/A', 'prompt_token/s': 'N/A', approximate_total: '0h0m0s' });
  });
});

describe('embeddings both ways', () => {
  it('builds an /api/embed payload', () => {
    expect(openaiEmbeddingsToOllama({ model: 'nomic-embed-text', input: ['a', 'b'], encoding_format: 'float', keep_alive: '1m' })).toEqual({
      model: 'nomic-embed-text',
      input: ['a', 'b'],
      prompt: 'a\nb',
      keep_alive: '1m',
    });
    expect(openaiEmbeddingsToOllama({ model: 'e', input: 'one' })).toMatchObject({ input: ['one'], prompt: 'one' });
  });

  it('translates /api/embed replies, as floats or as base64 float32 for SDK defaults', () => {
    const reply = { model: 'nomic-embed-text', embeddings: [[0.5, -1], [0.25, 2]], prompt_eval_count: 4 };
    expect(ollamaEmbeddingsToOpenai(reply)).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', embedding: [0.5, -1], index: 0 },
        { object: 'embedding', embedding: [0.25, 2], index: 1 },
      ],
      model: 'nomic-embed-text',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
    const b64 = ollamaEmbeddingsToOpenai(reply, undefined, 'base64');
    const first = (b64.data as { embedding: string }[])[0]!.embedding;
    const buf = Buffer.from(first, 'base64');
    expect(Array.from(new Float32Array(buf.buffer, buf.byteOffset, 2))).toEqual([0.5, -1]);
    expect(ollamaEmbeddingsToOpenai({ embedding: [1, 2] }, 'legacy').data).toEqual([{ object: 'embedding', embedding: [1, 2], index: 0 }]);
  });
});

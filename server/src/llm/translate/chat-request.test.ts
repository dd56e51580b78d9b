import { describe, expect, it } from 'vitest';
import { openaiChatToOllama } from './chat-request.js';

// Request pairs as an OpenAI SDK / Open WebUI sends them and as Ollama's /api/chat expects them.
describe('OpenAI chat request -> Ollama /api/chat', () => {
  it('maps a plain chat with sampling parameters into options', () => {
    const out = openaiChatToOllama({
      model: 'llama3.2:latest',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      stream: true,
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 128,
      stop: ['\n\n'],
      seed: 42,
      frequency_penalty: 0.5,
      presence_penalty: 0.1,
      stream_options: { include_usage: true },
      user: 'someone',
    });
    expect(out).toEqual({
      model: 'llama3.2:latest',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      stream: true,
      options: { temperature: 0.2, top_p: 0.9, seed: 42, frequency_penalty: 0.5, presence_penalty: 0.1, num_predict: 128, stop: ['\n\n'] },
    });
  });

  it('defaults stream to false and turns a single stop string into a list', () => {
    const out = openaiChatToOllama({ model: 'm', messages: [{ role: 'user', content: 'x' }], stop: 'END', max_completion_tokens: 5 });
    expect(out.stream).toBe(false);
    expect(out.options).toEqual({ stop: ['END'], num_predict: 5 });
  });

  it('converts multimodal content: text parts joined and trimmed, data URLs reduced to base64, plain URLs kept', () => {
    const out = openaiChatToOllama({
      model: 'llava',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in ' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'text', text: 'this picture? ' },
            { type: 'image_url', image_url: 'https://example.com/cat.jpg' },
          ],
        },
      ],
    });
    expect(out.messages).toEqual([
      { role: 'user', content: 'What is in this picture?', images: ['iVBORw0KGgo=', 'https://example.com/cat.jpg'] },
    ]);
  });

  it('converts tools, assistant tool calls (JSON string -> object) and tool results', () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const out = openaiChatToOllama({
      model: 'qwen3',
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', name: 'get_weather', content: '{"temp":21}' },
      ],
    });
    expect(out.tools).toEqual(tools);
    expect(out.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', tool_calls: [{ index: 0, id: 'call_1', function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: '{"temp":21}', tool_call_id: 'call_1', tool_name: 'get_weather' },
    ]);
  });

  it('hoists format, keep_alive, think and system out of Open WebUI options; renames max_tokens', () => {
    const out = openaiChatToOllama({
      model: 'm',
      messages: [],
      options: { temperature: 0.7, max_tokens: 10, format: 'json', keep_alive: '"5m"', think: true, system: 'S', num_ctx: 8192 },
    });
    expect(out).toEqual({
      model: 'm',
      messages: [],
      stream: false,
      format: 'json',
      keep_alive: '5m',
      think: true,
      system: 'S',
      options: { temperature: 0.7, num_predict: 10, num_ctx: 8192 },
    });
  });

  it('maps response_format json_schema to the schema and json_object to "json"; keeps root keep_alive and think', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } } };
    const a = openaiChatToOllama({
      model: 'm',
      messages: [],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema } },
      keep_alive: '-1',
      think: false,
    });
    expect(a).toMatchObject({ format: schema, keep_alive: -1, think: false });
    const b = openaiChatToOllama({ model: 'm', messages: [], response_format: { type: 'json_object' } });
    expect(b.format).toBe('json');
    const c = openaiChatToOllama({ model: 'm', messages: [], response_format: { type: 'text' } });
    expect(c.format).toBeUndefined();
  });

  it('does not mutate its input', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'x' }], options: { max_tokens: 3 } };
    const copy = structuredClone(body);
    openaiChatToOllama(body);
    expect(body).toEqual(copy);
  });
});

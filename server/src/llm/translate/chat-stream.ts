import type { Json } from './chat-request.js';
import { defaultIds, ollamaToolCallsToOpenai, ollamaUsageToOpenai, type IdSource } from './chat-response.js';
import { ndjsonObjects, parseNdjsonLine } from './lines.js';

/**
 * A content line exactly as Ollama writes it (model, created_at, message {role, content}, done false),
 * every string literal without quotes, escapes, control characters or lone surrogates (which
 * JSON.stringify would escape), so its JSON is its own text. Linear: no class can match its own end.
 */
const PLAIN_CONTENT_LINE =
  /^\{"model":"([^"\\\x00-\x1f\p{Cs}]*)","created_at":"([^"\\\x00-\x1f\p{Cs}]*)","message":\{"role":"assistant","content":"([^"\\\x00-\x1f\p{Cs}]+)"\},"done":false\}$/u;

/**
 * One line of Ollama's streamed `/api/chat` as its object. Ollama's usual content line is built from
 * its text: its literals have no escapes, so this is the object `JSON.parse` gives (same keys, order
 * and values) without a parse, which costs several microseconds per token on a stream's cold caches.
 * Any other line goes through `parseNdjsonLine`.
 */
export function parseOllamaChatLine(line: string): Json | undefined {
  const m = PLAIN_CONTENT_LINE.exec(line);
  if (!m) return parseNdjsonLine(line);
  return { model: m[1]!, created_at: m[2]!, message: { role: 'assistant', content: m[3]! }, done: false };
}

/**
 * Ollama's streamed `/api/chat` NDJSON -> OpenAI `chat.completion.chunk` objects, one output chunk per
 * input line and O(1) work per chunk beyond the chunk's own size (no accumulated text is kept).
 *
 * Following the newest original: every chunk shares one id, the first carries `delta.role`, a chunk
 * with nothing to say gets `finish_reason: "stop"`, the final (`done`) chunk carries `usage` and
 * `finish_reason: "tool_calls"` if any tool call was streamed. An `{"error": ...}` line becomes an
 * OpenAI error event, which the official SDKs raise as an APIError.
 */
export class OllamaStreamTranslator {
  readonly id: string;
  readonly created: number;
  #first = true;
  #sawToolCalls = false;
  #done = false;

  constructor(private readonly ids: IdSource = defaultIds) {
    this.id = ids.completionId();
    this.created = ids.now();
  }

  get done(): boolean {
    return this.#done;
  }

  #prefixModel: string | null = null;
  #prefix = '';

  /**
   * The SSE event of a plain content line (text, no thinking, no tool calls, not the first or the
   * last line: nearly every token), built from a prefix kept per stream and model plus the content's
   * JSON; the same bytes as `sseEvent(translate(line))` without building and serialising the chunk.
   * Undefined for any other line (use `translate`).
   */
  contentEvent(line: Json): string | undefined {
    if (this.#first || line.done === true || line.error !== undefined) return undefined;
    const message = line.message as Json | undefined;
    if (typeof message !== 'object' || message === null) return undefined;
    const content = message.content;
    if (typeof content !== 'string' || content === '') return undefined;
    if (typeof message.thinking === 'string' && message.thinking !== '') return undefined;
    if (Array.isArray(message.tool_calls) && message.tool_calls.length) return undefined;
    return this.#contentEvent(typeof line.model === 'string' ? line.model : 'ollama', JSON.stringify(content));
  }

  /**
   * `contentEvent` read straight from a line's text, for the shape Ollama writes for nearly every
   * token; undefined for any other text (parse it and use `contentEvent` or `translate`). The pattern
   * admits only string literals without escapes or control characters, whose JSON is their own text,
   * so the output is the same bytes as parsing the line and calling `contentEvent`.
   */
  contentLine(line: string): string | undefined {
    if (this.#first) return undefined;
    const m = PLAIN_CONTENT_LINE.exec(line);
    return m ? this.#contentEvent(m[1]!, `"${m[3]!}"`) : undefined;
  }

  #contentEvent(model: string, contentJson: string): string {
    if (model !== this.#prefixModel) {
      this.#prefixModel = model;
      // Key order as in `translate`: id, object, created, model, choices[{index, logprobs, finish_reason, delta}].
      this.#prefix = `data: {"id":${JSON.stringify(this.id)},"object":"chat.completion.chunk","created":${JSON.stringify(this.created)},"model":${JSON.stringify(model)},"choices":[{"index":0,"logprobs":null,"finish_reason":null,"delta":{"content":`;
    }
    return `${this.#prefix}${contentJson}}}]}\n\n`;
  }

  translate(line: Json): Json {
    if (line.error !== undefined) {
      const message = typeof line.error === 'string' ? line.error : JSON.stringify(line.error);
      return { error: { message, type: 'upstream_error', code: null } };
    }
    const message = (line.message ?? {}) as Json;
    const delta: Json = {};
    if (this.#first) {
      delta.role = 'assistant';
      this.#first = false;
    }
    const content = typeof message.content === 'string' ? message.content : '';
    const thinking = typeof message.thinking === 'string' ? message.thinking : '';
    if (content) delta.content = content;
    if (thinking) delta.reasoning_content = thinking;
    let hasTools = false;
    if (Array.isArray(message.tool_calls) && message.tool_calls.length) {
      delta.tool_calls = ollamaToolCallsToOpenai(message.tool_calls, this.ids);
      hasTools = true;
      this.#sawToolCalls = true;
    }
    const done = line.done === true;
    let finish: string | null = null;
    if (!content && !thinking && !hasTools) finish = 'stop';
    if (done && this.#sawToolCalls) finish = 'tool_calls';
    const chunk: Json = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: typeof line.model === 'string' ? line.model : 'ollama',
      choices: [{ index: 0, logprobs: null, finish_reason: finish, delta }],
    };
    if (done) {
      chunk.usage = ollamaUsageToOpenai(line);
      this.#done = true;
    }
    return chunk;
  }
}

/** Ollama NDJSON bytes -> OpenAI chunk objects (no `[DONE]`; the SSE writer adds it). */
export async function* ollamaStreamToChunks(source: AsyncIterable<Uint8Array | string>, ids: IdSource = defaultIds): AsyncGenerator<Json> {
  const t = new OllamaStreamTranslator(ids);
  for await (const line of ndjsonObjects(source, parseOllamaChatLine)) {
    const chunk = t.translate(line);
    yield chunk;
    if (chunk.error !== undefined) return;
  }
}

export const SSE_DONE = 'data: [DONE]\n\n';

export function sseEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** Chunk objects -> SSE text, ending with `data: [DONE]` unless the stream stopped on an error. */
export async function* chunksToSse(chunks: AsyncIterable<Json>): AsyncGenerator<string> {
  let failed = false;
  for await (const chunk of chunks) {
    if (chunk.error !== undefined) failed = true;
    yield sseEvent(chunk);
  }
  if (!failed) yield SSE_DONE;
}

import { randomUUID } from 'node:crypto';
import type { Json } from './chat-request.js';

/**
 * Ollama `/api/chat` reply -> OpenAI `chat.completion`, and the `usage` block both directions share.
 * Pure apart from ids and timestamps; `ids` can be injected so tests pin the output exactly.
 */

export interface IdSource {
  completionId(): string;
  toolCallId(): string;
  now(): number;
}

export const defaultIds: IdSource = {
  completionId: () => `chatcmpl-${randomUUID()}`,
  toolCallId: () => `call_${randomUUID()}`,
  now: () => Math.floor(Date.now() / 1000),
};

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Tokens per second from a count and a duration in nanoseconds, 2 decimals; "N/A" when unmeasured. */
function rate(count: number, durationNs: number): number | 'N/A' {
  if (durationNs <= 0) return 'N/A';
  return Math.round((count / (durationNs / 1e9)) * 100) / 100;
}

function hms(totalNs: number): string {
  const s = Math.floor(totalNs / 1e9);
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m${s % 60}s`;
}

/** Open WebUI's usage block: OpenAI counters plus Ollama's raw timings and derived speeds. */
export function ollamaUsageToOpenai(data: Json): Json {
  const input = num(data.prompt_eval_count);
  const output = num(data.eval_count);
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: input + output,
    prompt_tokens: input,
    completion_tokens: output,
    'response_token/s': rate(output, num(data.eval_duration)),
    'prompt_token/s': rate(input, num(data.prompt_eval_duration)),
    total_duration: num(data.total_duration),
    load_duration: num(data.load_duration),
    prompt_eval_count: input,
    prompt_eval_duration: num(data.prompt_eval_duration),
    eval_count: output,
    eval_duration: num(data.eval_duration),
    approximate_total: hms(num(data.total_duration)),
    completion_tokens_details: { reasoning_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** Ollama tool calls carry arguments as an object; OpenAI clients expect a JSON string. */
export function ollamaToolCallsToOpenai(calls: unknown, ids: IdSource = defaultIds): Json[] {
  if (!Array.isArray(calls)) return [];
  return calls.map((call: Json, i) => {
    const fn = (call?.function ?? {}) as Json;
    const args = fn.arguments ?? {};
    return {
      index: typeof call.index === 'number' ? call.index : typeof fn.index === 'number' ? fn.index : i,
      id: typeof call.id === 'string' && call.id ? call.id : ids.toolCallId(),
      type: 'function',
      function: { name: String(fn.name ?? ''), arguments: typeof args === 'string' ? args : JSON.stringify(args) },
    };
  });
}

export function ollamaChatToOpenai(reply: Json, ids: IdSource = defaultIds): Json {
  const message = (reply.message ?? {}) as Json;
  const toolCalls = ollamaToolCallsToOpenai(message.tool_calls, ids);
  const out: Json = { role: 'assistant', content: typeof message.content === 'string' ? message.content : '' };
  if (typeof message.thinking === 'string' && message.thinking) out.reasoning_content = message.thinking;
  if (toolCalls.length) out.tool_calls = toolCalls;
  return {
    id: ids.completionId(),
    object: 'chat.completion',
    created: ids.now(),
    model: typeof reply.model === 'string' ? reply.model : 'ollama',
    choices: [{ index: 0, logprobs: null, finish_reason: toolCalls.length ? 'tool_calls' : 'stop', message: out }],
    usage: ollamaUsageToOpenai(reply),
  };
}

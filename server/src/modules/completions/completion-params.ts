/**
 * Open WebUI's UI sends model settings in `params` (temperature, max_tokens, a system prompt, ...), not
 * at the top level. Before a body leaves for an upstream they are applied the way the original does:
 * for OpenAI-compatible upstreams the known OpenAI fields are set at the top level; for Ollama they go
 * into `options` (the translator then moves `format`, `keep_alive`, `think` to the root). A `system`
 * param becomes, or is prepended to, the first system message.
 */
type Json = Record<string, unknown>;

const OPENAI_PARAMS = ['temperature', 'top_p', 'max_tokens', 'frequency_penalty', 'presence_penalty', 'seed', 'stop', 'reasoning_effort', 'logit_bias'];
// Settings that steer Open WebUI itself; never sent upstream.
const WEBUI_ONLY = new Set(['system', 'stream_response', 'stream_delta_chunk_size', 'function_calling', 'reasoning_tags', 'custom_params']);

function withSystem(messages: unknown, system: string): unknown {
  if (!Array.isArray(messages)) return messages;
  const first = messages[0] as Json | undefined;
  if (first?.role === 'system' && typeof first.content === 'string') {
    return [{ ...first, content: `${system}\n${first.content}` }, ...messages.slice(1)];
  }
  return [{ role: 'system', content: system }, ...messages];
}

export function applyParams(body: Json, params: Json | null | undefined, target: 'openai' | 'ollama'): Json {
  if (!params || typeof params !== 'object') return body;
  const out: Json = { ...body };
  if (typeof params.system === 'string' && params.system.trim()) out.messages = withSystem(out.messages, params.system);
  if (target === 'openai') {
    for (const key of OPENAI_PARAMS) if (params[key] !== undefined && params[key] !== null) out[key] = params[key];
    return out;
  }
  const options: Json = { ...((out.options as Json | undefined) ?? {}) };
  for (const [key, value] of Object.entries(params)) {
    if (WEBUI_ONLY.has(key) || value === undefined || value === null) continue;
    // Ollama calls the reply length limit num_predict.
    options[key === 'max_tokens' ? 'num_predict' : key] = value;
  }
  if (Object.keys(options).length) out.options = options;
  return out;
}

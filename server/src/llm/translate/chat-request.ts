/**
 * OpenAI chat request -> Ollama `/api/chat` payload. Pure: no I/O, no mutation of the input.
 *
 * Where parameters go (Ollama reads sampling settings from `options`, a few things from the root):
 * - OpenAI's top-level sampling fields (`temperature`, `top_p`, `seed`, `stop`, `frequency_penalty`,
 *   `presence_penalty`, `max_tokens` / `max_completion_tokens` as `num_predict`) go into `options`, so an
 *   SDK client gets the behaviour it asked for.
 * - Open WebUI's own `options` object (model params) is copied over them; inside it `format`,
 *   `keep_alive` and `think` are hoisted to the root, `max_tokens` becomes `num_predict` and `system`
 *   becomes the root `system`, as the original does.
 * - `response_format` of type json_schema becomes the root `format` (the schema); `json_object` -> "json".
 * - `keep_alive`, `think`, `format` given at the top level are kept at the root.
 */
import { getOwn } from '../../security/own-keys.js';

export type Json = Record<string, unknown>;

export interface OllamaMessage {
  role: string;
  content: string;
  images?: string[];
  tool_calls?: { index?: number; id?: string; function: { name: string; arguments: unknown } }[];
  tool_call_id?: string;
  tool_name?: string;
  thinking?: string;
}

export interface OllamaChatPayload {
  model: string;
  messages: OllamaMessage[];
  stream: boolean;
  options?: Json;
  tools?: unknown[];
  format?: unknown;
  keep_alive?: unknown;
  think?: unknown;
  system?: string;
}

const isObj = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** Parses a JSON string argument as Ollama wants an object; non-JSON stays as given. */
function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string') return args ?? {};
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

/** `data:image/png;base64,AAA` -> `AAA`; other URLs are passed through for Ollama to reject or fetch. */
function imageData(part: Json): string | undefined {
  const ref = part.image_url;
  const url = typeof ref === 'string' ? ref : isObj(ref) && typeof ref.url === 'string' ? ref.url : undefined;
  if (!url) return undefined;
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    return comma >= 0 ? url.slice(comma + 1) : url;
  }
  return url;
}

export function convertMessage(message: Json): OllamaMessage {
  const role = String(message.role ?? 'user');
  const out: OllamaMessage = { role, content: '' };
  const content = message.content;

  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
    out.tool_calls = message.tool_calls.filter(isObj).map((call, i) => {
      const fn = isObj(call.function) ? call.function : {};
      return {
        index: typeof call.index === 'number' ? call.index : i,
        ...(typeof call.id === 'string' ? { id: call.id } : {}),
        function: { name: String(fn.name ?? ''), arguments: parseArguments(fn.arguments) },
      };
    });
  }

  if (typeof content === 'string') {
    out.content = content;
  } else if (Array.isArray(content)) {
    const texts: string[] = [];
    const images: string[] = [];
    for (const part of content) {
      if (!isObj(part)) continue;
      if (part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
      else if (part.type === 'image_url') {
        const img = imageData(part);
        if (img) images.push(img);
      }
    }
    out.content = texts.join('').trim();
    if (images.length) out.images = images;
  }

  if (typeof message.tool_call_id === 'string') out.tool_call_id = message.tool_call_id;
  if (role === 'tool' && typeof message.name === 'string') out.tool_name = message.name;
  if (typeof message.reasoning_content === 'string' && message.reasoning_content) out.thinking = message.reasoning_content;
  return out;
}

/** Ollama's `keep_alive` accepts numbers and duration strings; Open WebUI UIs sometimes send "5" or "-1". */
function keepAlive(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function responseFormat(rf: unknown): unknown {
  if (!isObj(rf) || typeof rf.type !== 'string') return undefined;
  if (rf.type === 'json_object') return 'json';
  const inner = getOwn(rf, rf.type);
  if (isObj(inner)) return inner.schema ?? inner;
  return undefined;
}

const TOP_LEVEL_OPTIONS = ['temperature', 'top_p', 'seed', 'frequency_penalty', 'presence_penalty', 'top_k', 'min_p', 'num_ctx'] as const;

export function openaiChatToOllama(body: Json): OllamaChatPayload {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isObj).map(convertMessage) : [];
  const payload: OllamaChatPayload = { model: String(body.model ?? ''), messages, stream: body.stream === true };
  if (Array.isArray(body.tools) && body.tools.length) payload.tools = body.tools;

  const options: Json = {};
  for (const key of TOP_LEVEL_OPTIONS) if (body[key] !== undefined && body[key] !== null) options[key] = body[key];
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) options.num_predict = maxTokens;
  if (body.stop !== undefined && body.stop !== null) options.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;

  const format = responseFormat(body.response_format) ?? body.format;
  if (format !== undefined && format !== null) payload.format = format;
  if (body.keep_alive !== undefined && body.keep_alive !== null) payload.keep_alive = keepAlive(body.keep_alive);
  if (typeof body.think === 'boolean' || typeof body.think === 'string') payload.think = body.think;
  else if (typeof body.reasoning_effort === 'string') payload.think = body.reasoning_effort;

  if (isObj(body.options)) {
    const extra: Json = { ...body.options };
    if ('max_tokens' in extra) {
      extra.num_predict = extra.max_tokens;
      delete extra.max_tokens;
    }
    if ('format' in extra) {
      payload.format = extra.format;
      delete extra.format;
    }
    if ('keep_alive' in extra) {
      payload.keep_alive = keepAlive(extra.keep_alive);
      delete extra.keep_alive;
    }
    if ('think' in extra) {
      payload.think = extra.think === 'true' ? true : extra.think === 'false' ? false : extra.think;
      delete extra.think;
    }
    if ('system' in extra) {
      if (typeof extra.system === 'string') payload.system = extra.system;
      delete extra.system;
    }
    Object.assign(options, extra);
  }
  if (Object.keys(options).length) payload.options = options;
  return payload;
}

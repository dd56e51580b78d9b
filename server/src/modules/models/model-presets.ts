/**
 * Presets at chat time: a model record with `base_model_id` runs on its base model, with the record's
 * system prompt merged into the messages the way the original merges it (prepended to a leading
 * system message, else inserted first; `{{USER_NAME}}`, `{{CURRENT_DATE}}`... and the request's
 * `metadata.variables` substituted) and its params applied where the request does not set them.
 * A decoration record (no base) contributes its system prompt and params the same way.
 *
 *   const use = presetFor(record)            // null when the record changes nothing
 *   body = applyPresetOpenAI(body, record, user)   // OpenAI-shaped bodies
 *   body = applyPresetOllama(body, record, user)   // Ollama /api/chat and /api/generate bodies
 *   request = applyPresetToChatRequest(request, record, user)   // /api/chat/completions (params)
 */
import type { ModelRecord, UserModel } from '@owui/contracts';

type Json = Record<string, unknown>;

// Settings that steer Open WebUI itself; never sent upstream (the original's remove_open_webui_params).
const WEBUI_ONLY = new Set(['system', 'stream_response', 'stream_delta_chunk_size', 'function_calling', 'reasoning_tags', 'custom_params']);
const OPENAI_KEYS = new Set(['temperature', 'top_p', 'min_p', 'max_tokens', 'frequency_penalty', 'presence_penalty', 'reasoning_effort', 'seed', 'stop', 'logit_bias', 'response_format']);
const OLLAMA_ROOT = new Set(['format', 'keep_alive', 'think']);
// Stored params come from users; these names must never become keys of the objects we build.
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The model the request goes upstream with. */
export function upstreamModelId(requested: string, record: ModelRecord | null): string {
  return record?.base_model_id ? record.base_model_id : requested;
}

function age(birth: string | null | undefined): string {
  if (!birth) return 'None';
  const d = new Date(birth);
  if (Number.isNaN(d.getTime())) return 'None';
  const t = new Date();
  return String(t.getFullYear() - d.getFullYear() - (t.getMonth() < d.getMonth() || (t.getMonth() === d.getMonth() && t.getDate() < d.getDate()) ? 1 : 0));
}

/** The original's prompt_template + prompt_variables_template. */
export function fillTemplate(template: string, user: Partial<UserModel> | null, variables?: unknown): string {
  let out = template;
  if (variables && typeof variables === 'object') {
    for (const [k, v] of Object.entries(variables as Json)) out = out.split(`{{${k}}}`).join(String(v));
  }
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const h12 = now.getHours() % 12 || 12;
  const time = `${pad(h12)}:${pad(now.getMinutes())}:${pad(now.getSeconds())} ${now.getHours() < 12 ? 'AM' : 'PM'}`;
  const info = (user?.info ?? {}) as Json;
  const vars: Record<string, string> = {
    CURRENT_DATE: date,
    CURRENT_TIME: time,
    CURRENT_DATETIME: `${date} ${time}`,
    CURRENT_WEEKDAY: now.toLocaleDateString('en-US', { weekday: 'long' }),
    USER_NAME: user ? String(user.name) : 'Unknown',
    USER_BIO: user ? String(user.bio ?? 'None') : 'Unknown',
    USER_GENDER: user ? String(user.gender ?? 'None') : 'Unknown',
    USER_BIRTH_DATE: user ? String(user.date_of_birth ?? 'None') : 'Unknown',
    USER_AGE: user ? age(user.date_of_birth) : 'Unknown',
    USER_LOCATION: user ? String(info.location ?? 'None') : 'Unknown',
  };
  for (const [k, v] of Object.entries(vars)) out = out.split(`{{${k}}}`).join(v);
  return out;
}

/** add_or_update_system_message: prepend to a leading system message, else insert one first. */
export function mergeSystem(messages: unknown, system: string): unknown {
  if (!Array.isArray(messages)) return messages;
  const first = messages[0] as Json | undefined;
  if (first?.role === 'system') {
    if (Array.isArray(first.content)) {
      const content = (first.content as Json[]).map((p) => (p?.type === 'text' ? { ...p, text: `${system}\n${String(p.text ?? '')}` } : p));
      return [{ ...first, content }, ...messages.slice(1)];
    }
    return [{ ...first, content: `${system}\n${String(first.content ?? '')}` }, ...messages.slice(1)];
  }
  return [{ role: 'system', content: system }, ...messages];
}

/** The record's params without Open WebUI-only keys, custom_params (JSON strings parsed) merged in. */
export function presetParams(record: ModelRecord | null): Json {
  const out: Json = Object.create(null);
  if (!record) return out;
  const params = record.params as Json;
  for (const [k, v] of Object.entries(params)) if (!WEBUI_ONLY.has(k) && !UNSAFE_KEYS.has(k) && v !== null && v !== undefined) out[k] = v;
  const custom = params.custom_params;
  if (custom && typeof custom === 'object') {
    for (const [k, v] of Object.entries(custom as Json)) {
      if (UNSAFE_KEYS.has(k)) continue;
      let value = v;
      if (typeof v === 'string') {
        try {
          value = JSON.parse(v);
        } catch {
          /* a plain string stays a string */
        }
      }
      out[k] = value;
    }
  }
  return out;
}

function systemOf(record: ModelRecord | null, user: Partial<UserModel> | null, metadata: unknown): string | null {
  const system = (record?.params as Json | undefined)?.system;
  if (typeof system !== 'string' || !system.trim()) return null;
  return fillTemplate(system, user, (metadata as Json | undefined)?.variables);
}

const isSet = (v: unknown) => v !== undefined && v !== null;

/** OpenAI-shaped body (/openai/chat/completions, /ollama/v1/*): top-level params the request lacks. */
export function applyPresetOpenAI(body: Json, record: ModelRecord | null, user: Partial<UserModel> | null): Json {
  if (!record) return body;
  const out: Json = { ...body, model: upstreamModelId(String(body.model), record) };
  for (const [k, v] of Object.entries(presetParams(record))) if (OPENAI_KEYS.has(k) && !isSet(out[k])) out[k] = v;
  const system = systemOf(record, user, body.metadata);
  if (system && Array.isArray(out.messages)) out.messages = mergeSystem(out.messages, system);
  return out;
}

/** Ollama-native body (/ollama/api/chat, /ollama/api/generate): options, root keys and system. */
export function applyPresetOllama(body: Json, record: ModelRecord | null, user: Partial<UserModel> | null): Json {
  if (!record) return body;
  const out: Json = { ...body, model: upstreamModelId(String(body.model), record) };
  const options: Json = { ...((body.options as Json | undefined) ?? {}) };
  for (const [k, v] of Object.entries(presetParams(record))) {
    if (OLLAMA_ROOT.has(k)) {
      if (!isSet(out[k])) out[k] = v;
    } else {
      const key = k === 'max_tokens' ? 'num_predict' : k;
      if (!isSet(options[key])) options[key] = v;
    }
  }
  if (Object.keys(options).length) out.options = options;
  const system = systemOf(record, user, body.metadata);
  if (system) {
    if (Array.isArray(out.messages)) out.messages = mergeSystem(out.messages, system);
    else if (!isSet(out.system)) out.system = system; // /api/generate carries its system prompt apart
  }
  return out;
}

/**
 * `/api/chat/completions`: the preset's params become defaults under the request's own `params` and
 * top-level values (the request wins), its system prompt is merged into the messages, and the model
 * becomes the base model. The completions service then applies `params` as it always does.
 */
export function applyPresetToChatRequest<T extends Json & { model: string }>(request: T, record: ModelRecord | null, user: Partial<UserModel> | null): T {
  if (!record) return request;
  const own = (request.params as Json | undefined) ?? {};
  const params: Json = {};
  for (const [k, v] of Object.entries(presetParams(record))) if (!isSet(request[k]) && !isSet(own[k])) params[k] = v;
  Object.assign(params, own);
  const out: Json = { ...request, model: upstreamModelId(request.model, record), params };
  const system = systemOf(record, user, request.metadata ?? { variables: request.variables });
  if (system) out.messages = mergeSystem(out.messages, system);
  return out as T;
}

import { trueOnly, type Env } from './env-parse.js';

/**
 * Environment of the everyday chat app (banners, webhook, direct connections, task model and its
 * prompt templates), with Open WebUI 0.6.34's names and defaults. Read only through env.ts.
 */

export interface ChatAppEnvError {
  variable: string;
  accepted: string;
  value: string;
}

// The original's booleans here are `value.lower() == "true"`: anything else is false.
const flag = trueOnly;
const text = (env: Env, name: string) => env[name] ?? '';

/** Banner list from WEBUI_BANNERS (a JSON array); a malformed value is an error naming the variable. */
function banners(env: Env, fail: (e: ChatAppEnvError) => never): Array<Record<string, unknown>> {
  const raw = env.WEBUI_BANNERS;
  if (raw === undefined || raw.trim() === '') return [];
  try {
    const v: unknown = JSON.parse(raw);
    if (Array.isArray(v) && v.every((b) => b && typeof b === 'object' && typeof (b as { id?: unknown }).id === 'string' && typeof (b as { content?: unknown }).content === 'string')) {
      return v as Array<Record<string, unknown>>;
    }
  } catch {
    /* reported below */
  }
  return fail({ variable: 'WEBUI_BANNERS', accepted: 'Accepted: a JSON array of {id, type, title, content, dismissible, timestamp}.', value: raw });
}

/**
 * CHAT_RESPONSE_STREAM_DELTA_CHUNK_SIZE: a socket-delivered reply sends its text once every this many
 * deltas (the original's default 1: every delta). Like the original, a value that is not a whole number
 * counts as 1.
 */
function deltaChunkSize(env: Env): number {
  const n = Number((env.CHAT_RESPONSE_STREAM_DELTA_CHUNK_SIZE ?? '').trim() || '1');
  return Number.isInteger(n) && n > 1 ? n : 1;
}

export function chatAppEnv(env: Env, fail: (e: ChatAppEnvError) => never) {
  return {
    streamDeltaChunkSize: deltaChunkSize(env),
    banners: banners(env, fail),
    webhookUrl: text(env, 'WEBHOOK_URL'),
    enableDirectConnections: flag(env, 'ENABLE_DIRECT_CONNECTIONS', false),
    enableBaseModelsCache: flag(env, 'ENABLE_BASE_MODELS_CACHE', false),
    enablePublicActiveUsersCount: flag(env, 'ENABLE_PUBLIC_ACTIVE_USERS_COUNT', true),
    task: {
      model: text(env, 'TASK_MODEL'),
      modelExternal: text(env, 'TASK_MODEL_EXTERNAL'),
      enableTitle: flag(env, 'ENABLE_TITLE_GENERATION', true),
      enableTags: flag(env, 'ENABLE_TAGS_GENERATION', true),
      enableFollowUp: flag(env, 'ENABLE_FOLLOW_UP_GENERATION', true),
      titleTemplate: text(env, 'TITLE_GENERATION_PROMPT_TEMPLATE'),
      tagsTemplate: text(env, 'TAGS_GENERATION_PROMPT_TEMPLATE'),
      followUpTemplate: text(env, 'FOLLOW_UP_GENERATION_PROMPT_TEMPLATE'),
    },
  };
}

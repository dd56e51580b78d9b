import { z } from 'zod';
import { lazy, real } from './lazy.ts';

/**
 * OpenAI wire shapes as Open WebUI accepts and emits them (`/openai/*`, `/api/chat/completions`,
 * `/api/embeddings`). Request schemas are loose on purpose: every field an OpenAI-compatible server
 * understands must pass through untouched, so only what we route on is checked.
 */

// ---- connection settings (`/openai/config`) ----

/** Per-connection options under OPENAI_API_CONFIGS, keyed by URL index as a string ("0", "1", ...). */
export const OpenAIConnectionConfig = lazy(() => z.looseObject({
  enable: z.boolean().optional(),
  prefix_id: z.string().nullable().optional(),
  model_ids: z.array(z.string()).nullable().optional(),
  tags: z.array(z.union([z.string(), z.looseObject({ name: z.string() })])).nullable().optional(),
  connection_type: z.string().nullable().optional(),
  /** "azure" switches to Azure OpenAI's URL scheme and `api-key` header. */
  azure: z.boolean().optional(),
  api_version: z.string().nullable().optional(),
  auth_type: z.string().nullable().optional(),
}));
export type OpenAIConnectionConfig = z.infer<typeof OpenAIConnectionConfig>;

export const OpenAIConfig = lazy(() => z.object({
  ENABLE_OPENAI_API: z.boolean().nullable().optional(),
  OPENAI_API_BASE_URLS: z.array(z.string()),
  OPENAI_API_KEYS: z.array(z.string()),
  OPENAI_API_CONFIGS: z.record(z.string(), real(OpenAIConnectionConfig)),
}));
export type OpenAIConfig = z.infer<typeof OpenAIConfig>;

export const OpenAIVerifyForm = lazy(() => z.object({
  url: z.string().min(1),
  key: z.string(),
  config: real(OpenAIConnectionConfig).nullable().optional(),
}));
export type OpenAIVerifyForm = z.infer<typeof OpenAIVerifyForm>;

// ---- chat completions ----

export const OpenAIContentPart = lazy(() => z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  image_url: z.union([z.string(), z.looseObject({ url: z.string(), detail: z.string().optional() })]).optional(),
}));
export type OpenAIContentPart = z.infer<typeof OpenAIContentPart>;

export const OpenAIToolCall = lazy(() => z.looseObject({
  id: z.string().optional(),
  index: z.number().optional(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string().optional(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional() }),
}));
export type OpenAIToolCall = z.infer<typeof OpenAIToolCall>;

export const OpenAIChatMessage = lazy(() => z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(real(OpenAIContentPart))]).nullable().optional(),
  tool_calls: z.array(real(OpenAIToolCall)).nullable().optional(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
}));
export type OpenAIChatMessage = z.infer<typeof OpenAIChatMessage>;

/**
 * Fields Open WebUI's own UI adds to a chat request. They steer our server (chat persistence, socket
 * delivery, tools, RAG) and are removed before the body goes upstream.
 */
export const OPEN_WEBUI_CHAT_FIELDS = [
  'chat_id',
  'id',
  'parent_id',
  'parent_message',
  'session_id',
  'filter_ids',
  'tool_ids',
  'tool_servers',
  'files',
  'features',
  'variables',
  'params',
  'model_item',
  'background_tasks',
  'metadata',
] as const;

export const ChatCompletionRequest = lazy(() => z.looseObject({
  model: z.string().min(1),
  messages: z.array(real(OpenAIChatMessage)),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  // Open WebUI extras, typed so the service can read them; all optional.
  chat_id: z.string().nullable().optional(),
  id: z.string().nullable().optional(),
  parent_id: z.string().nullable().optional(),
  session_id: z.string().nullable().optional(),
  params: z.record(z.string(), z.unknown()).nullable().optional(),
  features: z.record(z.string(), z.unknown()).nullable().optional(),
  files: z.array(z.unknown()).nullable().optional(),
  tool_ids: z.array(z.string()).nullable().optional(),
  tool_servers: z.array(z.unknown()).nullable().optional(),
  variables: z.record(z.string(), z.unknown()).nullable().optional(),
  background_tasks: z.record(z.string(), z.unknown()).nullable().optional(),
}));
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const OpenAIUsage = lazy(() => z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
}));
export type OpenAIUsage = z.infer<typeof OpenAIUsage>;

export const ChatCompletion = lazy(() => z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number(),
      finish_reason: z.string().nullable(),
      logprobs: z.unknown().nullable().optional(),
      message: z.looseObject({
        role: z.string(),
        content: z.string().nullable(),
        reasoning_content: z.string().optional(),
        tool_calls: z.array(real(OpenAIToolCall)).optional(),
      }),
    }),
  ),
  usage: real(OpenAIUsage).optional(),
}));
export type ChatCompletion = z.infer<typeof ChatCompletion>;

export const ChatCompletionChunk = lazy(() => z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number(),
      finish_reason: z.string().nullable(),
      logprobs: z.unknown().nullable().optional(),
      delta: z.looseObject({
        role: z.string().optional(),
        content: z.string().nullable().optional(),
        reasoning_content: z.string().optional(),
        tool_calls: z.array(real(OpenAIToolCall)).optional(),
      }),
    }),
  ),
  usage: real(OpenAIUsage).nullable().optional(),
}));
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;

// ---- embeddings ----

export const EmbeddingsRequest = lazy(() => z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()), z.array(z.number()), z.array(z.array(z.number()))]),
}));
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequest>;

export const EmbeddingsResponse = lazy(() => z.looseObject({
  object: z.literal('list'),
  data: z.array(z.looseObject({ object: z.literal('embedding'), embedding: z.union([z.array(z.number()), z.string()]), index: z.number() })),
  model: z.string().nullable().optional(),
  usage: z.looseObject({ prompt_tokens: z.number(), total_tokens: z.number() }).optional(),
}));
export type EmbeddingsResponse = z.infer<typeof EmbeddingsResponse>;

// ---- errors ----

/** OpenAI's error body, which the official SDKs parse; `/openai/*` upstream errors keep this shape. */
export const OpenAIErrorBody = lazy(() => z.object({
  error: z.looseObject({ message: z.string(), type: z.string().nullable().optional(), code: z.union([z.string(), z.number()]).nullable().optional() }),
}));
export type OpenAIErrorBody = z.infer<typeof OpenAIErrorBody>;

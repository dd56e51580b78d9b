import { z } from 'zod';
import { lazy, real } from './lazy.ts';

/**
 * Wire shapes of the `/ollama` proxy. Request bodies are loose objects: anything Ollama accepts that we
 * do not name is forwarded untouched, so newer Ollama options keep working.
 */

/** One entry of OLLAMA_API_CONFIGS (keyed "0", "1", ... by URL index). */
export const OllamaConnectionConfig = lazy(() => z.looseObject({
  enable: z.boolean().optional(),
  key: z.string().optional(),
  prefix_id: z.string().optional(),
  model_ids: z.array(z.string()).optional(),
  tags: z.array(z.unknown()).optional(),
  connection_type: z.string().optional(),
}));
export type OllamaConnectionConfig = z.infer<typeof OllamaConnectionConfig>;

export const OllamaConfig = lazy(() => z.object({
  ENABLE_OLLAMA_API: z.boolean(),
  OLLAMA_BASE_URLS: z.array(z.string()),
  OLLAMA_API_CONFIGS: z.record(z.string(), z.record(z.string(), z.unknown())),
}));
export type OllamaConfig = z.infer<typeof OllamaConfig>;

export const OllamaConfigForm = lazy(() => z.object({
  ENABLE_OLLAMA_API: z.boolean().nullable().optional(),
  OLLAMA_BASE_URLS: z.array(z.string()),
  OLLAMA_API_CONFIGS: z.record(z.string(), z.record(z.string(), z.unknown())),
}));
export type OllamaConfigForm = z.infer<typeof OllamaConfigForm>;

export const OllamaVerifyForm = lazy(() => z.object({ url: z.string().min(1), key: z.string().nullable().optional() }));
export type OllamaVerifyForm = z.infer<typeof OllamaVerifyForm>;

/** Bodies that name a model as `model` or (older clients) `name`. */
export const OllamaModelNameForm = lazy(() => z.looseObject({ model: z.string().optional(), name: z.string().optional() }));
export type OllamaModelNameForm = z.infer<typeof OllamaModelNameForm>;

export const OllamaCopyForm = lazy(() => z.object({ source: z.string().min(1), destination: z.string().min(1) }));
export type OllamaCopyForm = z.infer<typeof OllamaCopyForm>;

export const OllamaChatMessage = lazy(() => z.looseObject({
  role: z.string(),
  content: z.string().nullable().optional(),
  tool_calls: z.array(z.unknown()).nullable().optional(),
  images: z.array(z.string()).nullable().optional(),
}).refine((m) => m.content != null || m.tool_calls != null, {
  message: "At least one of 'content' or 'tool_calls' must be provided",
  path: ['content'],
}));

export const OllamaChatForm = lazy(() => z.looseObject({
  model: z.string().min(1),
  messages: z.array(real(OllamaChatMessage)),
  stream: z.boolean().optional(),
  metadata: z.unknown().optional(),
}));
export type OllamaChatForm = z.infer<typeof OllamaChatForm>;

export const OllamaGenerateForm = lazy(() => z.looseObject({
  model: z.string().min(1),
  prompt: z.string().optional(),
  stream: z.boolean().optional(),
}));
export type OllamaGenerateForm = z.infer<typeof OllamaGenerateForm>;

export const OllamaEmbedForm = lazy(() => z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string())]),
}));
export type OllamaEmbedForm = z.infer<typeof OllamaEmbedForm>;

export const OllamaEmbeddingsForm = lazy(() => z.looseObject({ model: z.string().min(1), prompt: z.string() }));
export type OllamaEmbeddingsForm = z.infer<typeof OllamaEmbeddingsForm>;

/** OpenAI-format bodies sent to Ollama's `/v1/*` endpoints. */
export const OllamaOpenAIForm = lazy(() => z.looseObject({ model: z.string().min(1), stream: z.boolean().optional() }));
export type OllamaOpenAIForm = z.infer<typeof OllamaOpenAIForm>;

/** A model in the merged list: Ollama's entry plus the indexes of the servers that hold it. */
export const OllamaModel = lazy(() => z.looseObject({
  name: z.string(),
  model: z.string(),
  modified_at: z.string().optional(),
  size: z.number().optional(),
  digest: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  urls: z.array(z.number().int()),
  connection_type: z.string().optional(),
  tags: z.array(z.unknown()).optional(),
  expires_at: z.number().optional(),
}));
export type OllamaModel = z.infer<typeof OllamaModel>;

export const OllamaTagsResponse = lazy(() => z.object({ models: z.array(real(OllamaModel)) }));
export type OllamaTagsResponse = z.infer<typeof OllamaTagsResponse>;

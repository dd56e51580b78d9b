import { z } from 'zod';
import { lazy, real } from './lazy.ts';

/**
 * One entry of `/api/models`: an OpenAI-style model object plus Open WebUI's fields. Ollama models
 * carry their raw `/api/tags` entry under `ollama` (with `urls`, the server indexes holding it); OpenAI
 * models carry the upstream entry under `openai` and the connection index as `urlIdx`.
 */
export const ModelTag = lazy(() => z.object({ name: z.string() }));
export type ModelTag = z.infer<typeof ModelTag>;

export const ModelItem = lazy(() => z.looseObject({
  id: z.string(),
  name: z.string(),
  object: z.literal('model'),
  created: z.number(),
  owned_by: z.enum(['ollama', 'openai', 'arena']).or(z.string()),
  connection_type: z.string().optional(),
  tags: z.array(real(ModelTag)).optional(),
  urls: z.array(z.number()).optional(),
  urlIdx: z.number().optional(),
  ollama: z.record(z.string(), z.unknown()).optional(),
  openai: z.record(z.string(), z.unknown()).optional(),
  info: z.record(z.string(), z.unknown()).nullable().optional(),
  actions: z.array(z.unknown()).optional(),
  filters: z.array(z.unknown()).optional(),
}));
export type ModelItem = z.infer<typeof ModelItem>;

export const ModelList = lazy(() => z.object({ data: z.array(real(ModelItem)) }));
export type ModelList = z.infer<typeof ModelList>;

export const ModelsQuery = lazy(() => z.object({
  refresh: z
    .union([z.boolean(), z.enum(['true', 'false', 'True', 'False', '1', '0'])])
    .optional()
    .transform((v) => v === true || v === 'true' || v === 'True' || v === '1'),
}));
export type ModelsQuery = z.infer<typeof ModelsQuery>;

/**
 * Not in the original: why `/api/models` is empty (sent as `no_models` only when it is). Admins get each
 * connection with its problem and fix; other users only the plain message.
 */
export const NoModelsConnection = lazy(() => z.object({
  kind: z.enum(['ollama', 'openai']),
  url: z.string(),
  problem: z.string().nullable(),
  fix: z.string().nullable(),
}));
export type NoModelsConnection = z.infer<typeof NoModelsConnection>;

export const NoModelsReason = lazy(() => z.object({
  message: z.string(),
  connections: z.array(real(NoModelsConnection)).optional(),
}));
export type NoModelsReason = z.infer<typeof NoModelsReason>;

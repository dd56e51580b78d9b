import { z } from 'zod';
import { lazy, real } from './lazy.ts';

/** Wire shapes of `/api/v1/audio/*` and `/api/v1/images/*` (issue 20), field names as Open WebUI 0.6.34. */

export const TTSConfigForm = lazy(() => z.object({
  OPENAI_API_BASE_URL: z.string(),
  OPENAI_API_KEY: z.string(),
  OPENAI_PARAMS: z.record(z.string(), z.unknown()).nullish(),
  API_KEY: z.string(),
  ENGINE: z.string(),
  MODEL: z.string(),
  VOICE: z.string(),
  SPLIT_ON: z.string(),
  AZURE_SPEECH_REGION: z.string(),
  AZURE_SPEECH_BASE_URL: z.string(),
  AZURE_SPEECH_OUTPUT_FORMAT: z.string(),
}));

export const STTConfigForm = lazy(() => z.object({
  OPENAI_API_BASE_URL: z.string(),
  OPENAI_API_KEY: z.string(),
  ENGINE: z.string(),
  MODEL: z.string(),
  SUPPORTED_CONTENT_TYPES: z.array(z.string()).default([]),
  WHISPER_MODEL: z.string(),
  DEEPGRAM_API_KEY: z.string(),
  AZURE_API_KEY: z.string(),
  AZURE_REGION: z.string(),
  AZURE_LOCALES: z.string(),
  AZURE_BASE_URL: z.string(),
  AZURE_MAX_SPEAKERS: z.string(),
}));

export const AudioConfigUpdateForm = lazy(() => z.object({ tts: real(TTSConfigForm), stt: real(STTConfigForm) }));
export type AudioConfigUpdateForm = z.infer<typeof AudioConfigUpdateForm>;

/** Body of `/api/v1/audio/speech` (OpenAI's speech request; the server sets the model). */
export const SpeechForm = lazy(() => z.looseObject({ input: z.string().min(1).max(20_000), voice: z.string().optional() }));

export const ImagesConfigForm = lazy(() => z.object({
  enabled: z.boolean(),
  engine: z.string(),
  prompt_generation: z.boolean(),
  openai: z.object({ OPENAI_API_BASE_URL: z.string(), OPENAI_API_VERSION: z.string().default(''), OPENAI_API_KEY: z.string() }),
  automatic1111: z.object({
    AUTOMATIC1111_BASE_URL: z.string(),
    AUTOMATIC1111_API_AUTH: z.string(),
    AUTOMATIC1111_CFG_SCALE: z.union([z.string(), z.number()]).nullish(),
    AUTOMATIC1111_SAMPLER: z.string().nullish(),
    AUTOMATIC1111_SCHEDULER: z.string().nullish(),
  }),
  comfyui: z.object({
    COMFYUI_BASE_URL: z.string(),
    COMFYUI_API_KEY: z.string(),
    COMFYUI_WORKFLOW: z.string(),
    COMFYUI_WORKFLOW_NODES: z.array(z.record(z.string(), z.unknown())),
  }),
  gemini: z.object({ GEMINI_API_BASE_URL: z.string(), GEMINI_API_KEY: z.string() }),
}));
export type ImagesConfigForm = z.infer<typeof ImagesConfigForm>;

export const ImageConfigForm = lazy(() => z.object({ MODEL: z.string(), IMAGE_SIZE: z.string(), IMAGE_STEPS: z.number().int() }));

export const GenerateImageForm = lazy(() => z.object({
  model: z.string().nullish(),
  prompt: z.string().min(1).max(10_000),
  size: z.string().nullish(),
  n: z.number().int().min(1).max(10).default(1),
  negative_prompt: z.string().nullish(),
}));
export type GenerateImageForm = z.infer<typeof GenerateImageForm>;

/** One node binding of a ComfyUI workflow (which input of which node gets the prompt, size...). */
export const ComfyUINode = lazy(() => z.object({
  type: z.string().nullish(),
  node_ids: z.array(z.string()).default([]),
  key: z.string().nullish().default('text'),
  value: z.unknown().optional(),
}));
export type ComfyUINode = z.infer<typeof ComfyUINode>;

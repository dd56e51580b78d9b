import { z } from 'zod';
import type { Config } from './env.js';

/**
 * Run-time settings of audio and image generation (issue 20), with Open WebUI 0.6.34's env names and
 * config-tree paths, so a config exported from the original imports here.
 */
const str = z.string();
const obj = z.record(z.string(), z.unknown());

export const MEDIA_PERSISTENT_KEYS = {
  // speech-to-text
  AUDIO_STT_ENGINE: { path: 'audio.stt.engine', schema: str, seed: (c: Config) => c.media.stt.engine },
  AUDIO_STT_MODEL: { path: 'audio.stt.model', schema: str, seed: (c: Config) => c.media.stt.model },
  AUDIO_STT_OPENAI_API_BASE_URL: { path: 'audio.stt.openai.api_base_url', schema: str, seed: (c: Config) => c.media.stt.openaiBaseUrl },
  AUDIO_STT_OPENAI_API_KEY: { path: 'audio.stt.openai.api_key', schema: str, seed: (c: Config) => c.media.stt.openaiKey },
  AUDIO_STT_SUPPORTED_CONTENT_TYPES: { path: 'audio.stt.supported_content_types', schema: z.array(str), seed: (c: Config) => [...c.media.stt.supportedContentTypes] },
  WHISPER_MODEL: { path: 'audio.stt.whisper_model', schema: str, seed: (c: Config) => c.media.stt.whisperModel },
  DEEPGRAM_API_KEY: { path: 'audio.stt.deepgram.api_key', schema: str, seed: (c: Config) => c.media.stt.deepgramKey },
  AUDIO_STT_AZURE_API_KEY: { path: 'audio.stt.azure.api_key', schema: str, seed: (c: Config) => c.media.stt.azureKey },
  AUDIO_STT_AZURE_REGION: { path: 'audio.stt.azure.region', schema: str, seed: (c: Config) => c.media.stt.azureRegion },
  AUDIO_STT_AZURE_LOCALES: { path: 'audio.stt.azure.locales', schema: str, seed: (c: Config) => c.media.stt.azureLocales },
  AUDIO_STT_AZURE_BASE_URL: { path: 'audio.stt.azure.base_url', schema: str, seed: (c: Config) => c.media.stt.azureBaseUrl },
  AUDIO_STT_AZURE_MAX_SPEAKERS: { path: 'audio.stt.azure.max_speakers', schema: str, seed: (c: Config) => c.media.stt.azureMaxSpeakers },
  // text-to-speech
  AUDIO_TTS_ENGINE: { path: 'audio.tts.engine', schema: str, seed: (c: Config) => c.media.tts.engine },
  AUDIO_TTS_MODEL: { path: 'audio.tts.model', schema: str, seed: (c: Config) => c.media.tts.model },
  AUDIO_TTS_VOICE: { path: 'audio.tts.voice', schema: str, seed: (c: Config) => c.media.tts.voice },
  AUDIO_TTS_API_KEY: { path: 'audio.tts.api_key', schema: str, seed: (c: Config) => c.media.tts.apiKey },
  AUDIO_TTS_OPENAI_API_BASE_URL: { path: 'audio.tts.openai.api_base_url', schema: str, seed: (c: Config) => c.media.tts.openaiBaseUrl },
  AUDIO_TTS_OPENAI_API_KEY: { path: 'audio.tts.openai.api_key', schema: str, seed: (c: Config) => c.media.tts.openaiKey },
  AUDIO_TTS_OPENAI_PARAMS: { path: 'audio.tts.openai.params', schema: obj.nullable(), seed: (c: Config) => structuredClone(c.media.tts.openaiParams) as Record<string, unknown> | null },
  AUDIO_TTS_SPLIT_ON: { path: 'audio.tts.split_on', schema: str, seed: (c: Config) => c.media.tts.splitOn },
  AUDIO_TTS_AZURE_SPEECH_REGION: { path: 'audio.tts.azure.speech_region', schema: str, seed: (c: Config) => c.media.tts.azureRegion },
  AUDIO_TTS_AZURE_SPEECH_BASE_URL: { path: 'audio.tts.azure.speech_base_url', schema: str, seed: (c: Config) => c.media.tts.azureBaseUrl },
  AUDIO_TTS_AZURE_SPEECH_OUTPUT_FORMAT: { path: 'audio.tts.azure.speech_output_format', schema: str, seed: (c: Config) => c.media.tts.azureOutputFormat },
  // image generation
  ENABLE_IMAGE_GENERATION: { path: 'image_generation.enable', schema: z.boolean(), seed: (c: Config) => c.media.images.enabled },
  IMAGE_GENERATION_ENGINE: { path: 'image_generation.engine', schema: str, seed: (c: Config) => c.media.images.engine },
  ENABLE_IMAGE_PROMPT_GENERATION: { path: 'image_generation.prompt.enable', schema: z.boolean(), seed: (c: Config) => c.media.images.promptGeneration },
  IMAGE_GENERATION_MODEL: { path: 'image_generation.model', schema: str, seed: (c: Config) => c.media.images.model },
  IMAGE_SIZE: { path: 'image_generation.size', schema: str, seed: (c: Config) => c.media.images.size },
  IMAGE_STEPS: { path: 'image_generation.steps', schema: z.number().int().min(0), seed: (c: Config) => c.media.images.steps },
  IMAGES_OPENAI_API_BASE_URL: { path: 'image_generation.openai.api_base_url', schema: str, seed: (c: Config) => c.media.images.openaiBaseUrl },
  IMAGES_OPENAI_API_KEY: { path: 'image_generation.openai.api_key', schema: str, seed: (c: Config) => c.media.images.openaiKey },
  IMAGES_OPENAI_API_VERSION: { path: 'image_generation.openai.api_version', schema: str, seed: (c: Config) => c.media.images.openaiApiVersion },
  IMAGES_GEMINI_API_BASE_URL: { path: 'image_generation.gemini.api_base_url', schema: str, seed: (c: Config) => c.media.images.geminiBaseUrl },
  IMAGES_GEMINI_API_KEY: { path: 'image_generation.gemini.api_key', schema: str, seed: (c: Config) => c.media.images.geminiKey },
  AUTOMATIC1111_BASE_URL: { path: 'image_generation.automatic1111.base_url', schema: str, seed: (c: Config) => c.media.images.a1111BaseUrl },
  AUTOMATIC1111_API_AUTH: { path: 'image_generation.automatic1111.api_auth', schema: str, seed: (c: Config) => c.media.images.a1111Auth },
  AUTOMATIC1111_CFG_SCALE: { path: 'image_generation.automatic1111.cfg_scale', schema: z.number().nullable(), seed: (c: Config) => c.media.images.a1111CfgScale },
  AUTOMATIC1111_SAMPLER: { path: 'image_generation.automatic1111.sampler', schema: str.nullable(), seed: (c: Config) => c.media.images.a1111Sampler },
  AUTOMATIC1111_SCHEDULER: { path: 'image_generation.automatic1111.scheduler', schema: str.nullable(), seed: (c: Config) => c.media.images.a1111Scheduler },
  COMFYUI_BASE_URL: { path: 'image_generation.comfyui.base_url', schema: str, seed: (c: Config) => c.media.images.comfyuiBaseUrl },
  COMFYUI_API_KEY: { path: 'image_generation.comfyui.api_key', schema: str, seed: (c: Config) => c.media.images.comfyuiKey },
  COMFYUI_WORKFLOW: { path: 'image_generation.comfyui.workflow', schema: str, seed: (c: Config) => c.media.images.comfyuiWorkflow },
  COMFYUI_WORKFLOW_NODES: { path: 'image_generation.comfyui.nodes', schema: z.array(obj), seed: () => [] as Record<string, unknown>[] },
} as const;

import { int, jsonObject, num, text as s, trueOnly as flag, type Env } from './env-parse.js';

/**
 * Environment of speech-to-text, text-to-speech and image generation (issue 20). Names and defaults as
 * Open WebUI 0.6.34's config.py; the ones marked "ours" do not exist there. Every value here only seeds
 * a persistent setting (config/persistent-keys.media.ts) that the admin can change at run time.
 */
export function mediaConfig(env: Env, openaiUrl: string, openaiKey: string) {
  const base = openaiUrl.replace(/\/+$/, '');
  return {
    stt: {
      engine: s(env, 'AUDIO_STT_ENGINE'),
      model: s(env, 'AUDIO_STT_MODEL'),
      openaiBaseUrl: s(env, 'AUDIO_STT_OPENAI_API_BASE_URL', base),
      openaiKey: env.AUDIO_STT_OPENAI_API_KEY ?? openaiKey,
      supportedContentTypes: s(env, 'AUDIO_STT_SUPPORTED_CONTENT_TYPES').split(',').map((t) => t.trim()).filter(Boolean),
      whisperModel: s(env, 'WHISPER_MODEL', 'base'),
      /** WHISPER_LANGUAGE: forced language of every transcription (lower case), else the client's. */
      whisperLanguage: s(env, 'WHISPER_LANGUAGE').toLowerCase(),
      deepgramKey: s(env, 'DEEPGRAM_API_KEY'),
      /** Ours: Deepgram's API root (0.6.34 always calls https://api.deepgram.com). */
      deepgramBaseUrl: s(env, 'DEEPGRAM_API_BASE_URL', 'https://api.deepgram.com').replace(/\/+$/, ''),
      azureKey: s(env, 'AUDIO_STT_AZURE_API_KEY'),
      azureRegion: s(env, 'AUDIO_STT_AZURE_REGION'),
      azureLocales: s(env, 'AUDIO_STT_AZURE_LOCALES'),
      azureBaseUrl: s(env, 'AUDIO_STT_AZURE_BASE_URL'),
      azureMaxSpeakers: s(env, 'AUDIO_STT_AZURE_MAX_SPEAKERS'),
      /** Ours: largest accepted upload in MB (the original sends up to 20 MB per request to the engine). */
      maxUploadMb: int(env, 'AUDIO_STT_MAX_UPLOAD_MB', 25),
      /** Ours: the ffmpeg binary used to convert audio that an engine cannot read. */
      ffmpegPath: s(env, 'FFMPEG_PATH', 'ffmpeg'),
    },
    tts: {
      engine: s(env, 'AUDIO_TTS_ENGINE'),
      model: s(env, 'AUDIO_TTS_MODEL', 'tts-1'),
      voice: s(env, 'AUDIO_TTS_VOICE', 'alloy'),
      apiKey: s(env, 'AUDIO_TTS_API_KEY'),
      openaiBaseUrl: s(env, 'AUDIO_TTS_OPENAI_API_BASE_URL', base),
      openaiKey: env.AUDIO_TTS_OPENAI_API_KEY ?? openaiKey,
      openaiParams: jsonObject(env, 'AUDIO_TTS_OPENAI_PARAMS', false) ?? {},
      splitOn: s(env, 'AUDIO_TTS_SPLIT_ON', 'punctuation'),
      azureRegion: s(env, 'AUDIO_TTS_AZURE_SPEECH_REGION'),
      azureBaseUrl: s(env, 'AUDIO_TTS_AZURE_SPEECH_BASE_URL'),
      azureOutputFormat: s(env, 'AUDIO_TTS_AZURE_SPEECH_OUTPUT_FORMAT', 'audio-24khz-160kbitrate-mono-mp3'),
      /** Ours (later Open WebUI has it too): ElevenLabs' API root. */
      elevenlabsBaseUrl: s(env, 'ELEVENLABS_API_BASE_URL', 'https://api.elevenlabs.io').replace(/\/+$/, ''),
    },
    images: {
      enabled: flag(env, 'ENABLE_IMAGE_GENERATION', false),
      engine: s(env, 'IMAGE_GENERATION_ENGINE', 'openai'),
      promptGeneration: flag(env, 'ENABLE_IMAGE_PROMPT_GENERATION', true),
      model: s(env, 'IMAGE_GENERATION_MODEL'),
      size: s(env, 'IMAGE_SIZE', '512x512'),
      steps: int(env, 'IMAGE_STEPS', 50),
      openaiBaseUrl: s(env, 'IMAGES_OPENAI_API_BASE_URL', base),
      openaiKey: env.IMAGES_OPENAI_API_KEY ?? openaiKey,
      openaiApiVersion: s(env, 'IMAGES_OPENAI_API_VERSION'),
      geminiBaseUrl: s(env, 'IMAGES_GEMINI_API_BASE_URL', s(env, 'GEMINI_API_BASE_URL')),
      geminiKey: s(env, 'IMAGES_GEMINI_API_KEY', s(env, 'GEMINI_API_KEY')),
      a1111BaseUrl: s(env, 'AUTOMATIC1111_BASE_URL'),
      a1111Auth: s(env, 'AUTOMATIC1111_API_AUTH'),
      a1111CfgScale: num(env, 'AUTOMATIC1111_CFG_SCALE', null),
      a1111Sampler: s(env, 'AUTOMATIC1111_SAMPLER') || null,
      a1111Scheduler: s(env, 'AUTOMATIC1111_SCHEDULER') || null,
      comfyuiBaseUrl: s(env, 'COMFYUI_BASE_URL'),
      comfyuiKey: s(env, 'COMFYUI_API_KEY'),
      comfyuiWorkflow: env.COMFYUI_WORKFLOW ?? '',
      /** Ours: longest wait for one generation (the original waits without limit on ComfyUI's socket). */
      timeoutSeconds: int(env, 'IMAGE_GENERATION_TIMEOUT', 300),
    },
  };
}

export type MediaConfig = ReturnType<typeof mediaConfig>;

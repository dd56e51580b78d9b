import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AudioConfigUpdateForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { requirePermission } from '../users/permissions.js';
import { contentTypeAllowed, SttService } from './stt.service.js';
import { TtsService } from './tts.service.js';

// The original's ERROR_MESSAGES.FILE_NOT_SUPPORTED wording.
const FILE_NOT_SUPPORTED =
  "Oops! It seems like the file format you're trying to upload is not supported. Please upload a file with a supported format and try again.";

/** `/api/v1/audio/*` of Open WebUI 0.6.34: config (admin), speech, transcriptions, models, voices. */
export async function audioRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const tts = new TtsService(ctx);
  const stt = new SttService(ctx);
  const s = ctx.settings;
  const P = '/api/v1/audio';

  const config = () => ({
    tts: {
      OPENAI_API_BASE_URL: s.get('AUDIO_TTS_OPENAI_API_BASE_URL'),
      OPENAI_API_KEY: s.get('AUDIO_TTS_OPENAI_API_KEY'),
      OPENAI_PARAMS: s.get('AUDIO_TTS_OPENAI_PARAMS'),
      API_KEY: s.get('AUDIO_TTS_API_KEY'),
      ENGINE: s.get('AUDIO_TTS_ENGINE'),
      MODEL: s.get('AUDIO_TTS_MODEL'),
      VOICE: s.get('AUDIO_TTS_VOICE'),
      SPLIT_ON: s.get('AUDIO_TTS_SPLIT_ON'),
      AZURE_SPEECH_REGION: s.get('AUDIO_TTS_AZURE_SPEECH_REGION'),
      AZURE_SPEECH_BASE_URL: s.get('AUDIO_TTS_AZURE_SPEECH_BASE_URL'),
      AZURE_SPEECH_OUTPUT_FORMAT: s.get('AUDIO_TTS_AZURE_SPEECH_OUTPUT_FORMAT'),
    },
    stt: {
      OPENAI_API_BASE_URL: s.get('AUDIO_STT_OPENAI_API_BASE_URL'),
      OPENAI_API_KEY: s.get('AUDIO_STT_OPENAI_API_KEY'),
      ENGINE: s.get('AUDIO_STT_ENGINE'),
      MODEL: s.get('AUDIO_STT_MODEL'),
      SUPPORTED_CONTENT_TYPES: s.get('AUDIO_STT_SUPPORTED_CONTENT_TYPES'),
      WHISPER_MODEL: s.get('WHISPER_MODEL'),
      DEEPGRAM_API_KEY: s.get('DEEPGRAM_API_KEY'),
      AZURE_API_KEY: s.get('AUDIO_STT_AZURE_API_KEY'),
      AZURE_REGION: s.get('AUDIO_STT_AZURE_REGION'),
      AZURE_LOCALES: s.get('AUDIO_STT_AZURE_LOCALES'),
      AZURE_BASE_URL: s.get('AUDIO_STT_AZURE_BASE_URL'),
      AZURE_MAX_SPEAKERS: s.get('AUDIO_STT_AZURE_MAX_SPEAKERS'),
    },
  });

  await root.register(async (scope) => {
    const app = scope.withTypeProvider<ZodTypeProvider>();
    app.get(`${P}/config`, { config: { auth: 'admin' } }, async () => config());
    app.post(`${P}/config/update`, { config: { auth: 'admin' }, schema: { body: AudioConfigUpdateForm } }, async (request) => {
      const { tts: t, stt: st } = request.body;
      await s.set({
        AUDIO_TTS_OPENAI_API_BASE_URL: t.OPENAI_API_BASE_URL,
        AUDIO_TTS_OPENAI_API_KEY: t.OPENAI_API_KEY,
        AUDIO_TTS_OPENAI_PARAMS: t.OPENAI_PARAMS ?? null,
        AUDIO_TTS_API_KEY: t.API_KEY,
        AUDIO_TTS_ENGINE: t.ENGINE,
        AUDIO_TTS_MODEL: t.MODEL,
        AUDIO_TTS_VOICE: t.VOICE,
        AUDIO_TTS_SPLIT_ON: t.SPLIT_ON,
        AUDIO_TTS_AZURE_SPEECH_REGION: t.AZURE_SPEECH_REGION,
        AUDIO_TTS_AZURE_SPEECH_BASE_URL: t.AZURE_SPEECH_BASE_URL,
        AUDIO_TTS_AZURE_SPEECH_OUTPUT_FORMAT: t.AZURE_SPEECH_OUTPUT_FORMAT,
        AUDIO_STT_OPENAI_API_BASE_URL: st.OPENAI_API_BASE_URL,
        AUDIO_STT_OPENAI_API_KEY: st.OPENAI_API_KEY,
        AUDIO_STT_ENGINE: st.ENGINE,
        AUDIO_STT_MODEL: st.MODEL,
        AUDIO_STT_SUPPORTED_CONTENT_TYPES: st.SUPPORTED_CONTENT_TYPES,
        WHISPER_MODEL: st.WHISPER_MODEL,
        DEEPGRAM_API_KEY: st.DEEPGRAM_API_KEY,
        AUDIO_STT_AZURE_API_KEY: st.AZURE_API_KEY,
        AUDIO_STT_AZURE_REGION: st.AZURE_REGION,
        AUDIO_STT_AZURE_LOCALES: st.AZURE_LOCALES,
        AUDIO_STT_AZURE_BASE_URL: st.AZURE_BASE_URL,
        AUDIO_STT_AZURE_MAX_SPEAKERS: st.AZURE_MAX_SPEAKERS,
      });
      return config();
    });
    app.get(`${P}/models`, { config: { auth: 'verified' } }, async () => ({ models: await tts.models() }));
    app.get(`${P}/voices`, { config: { auth: 'verified' } }, async () => ({
      voices: [...(await tts.voices())].map(([id, name]) => ({ id, name })),
    }));
  });

  // Speech: the body is hashed as sent (the cache key), so this scope takes it as raw bytes.
  await root.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
    // The chat.tts / chat.stt permissions (the original's UI hides the buttons; the API honours them too).
    const tts403 = requirePermission(ctx, 'chat.tts', { status: 403, detail: 'You do not have permission to use text-to-speech' });
    scope.post(`${P}/speech`, { config: { auth: 'verified' }, preHandler: tts403 }, async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const out = await tts.speech(raw, currentUser(request));
      return reply.header('content-type', out.contentType).header('x-speech-cache', out.cached ? 'hit' : 'miss').send(out.audio);
    });
  });

  const maxBytes = ctx.config.media.stt.maxUploadMb * 1024 * 1024;
  await root.register(async (scope) => {
    await scope.register(fastifyMultipart, {
      limits: { fileSize: maxBytes, files: 1, fields: 5, fieldSize: 64 * 1024, parts: 10 },
      throwFileSizeLimit: true,
    });
    const stt403 = requirePermission(ctx, 'chat.stt', { status: 403, detail: 'You do not have permission to use speech-to-text' });
    scope.post(`${P}/transcriptions`, { config: { auth: 'verified' }, preHandler: stt403 }, async (request) => {
      const { file, language } = await readAudio(request, stt, maxBytes);
      try {
        return await stt.transcribe(file, language);
      } catch (err) {
        if (err instanceof ApiError) throw err;
        request.log.error({ err }, 'transcription failed');
        throw new ApiError(502, `Transcription failed: ${(err as Error).message}`);
      }
    });
  });

  async function readAudio(request: FastifyRequest, svc: SttService, cap: number): Promise<{ file: string; language?: string }> {
    const missing = new ApiError(422, [{ type: 'missing', loc: ['body', 'file'], msg: 'Field required', input: null }]);
    if (!request.isMultipart()) throw missing;
    let file: string | null = null;
    let language: string | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file' || file) {
            part.file.resume();
            continue;
          }
          if (!contentTypeAllowed(part.mimetype || '', s.get('AUDIO_STT_SUPPORTED_CONTENT_TYPES'))) {
            part.file.resume();
            throw new ApiError(400, FILE_NOT_SUPPORTED);
          }
          const target = await svc.newPath(part.filename || 'audio.webm');
          let size = 0;
          const counter = new Transform({
            transform(chunk: Buffer, _e, cb) {
              size += chunk.length;
              cb(size > cap ? Object.assign(new Error('too large'), { code: 'FST_REQ_FILE_TOO_LARGE' }) : null, chunk);
            },
          });
          file = target;
          await pipeline(part.file, counter, fs.createWriteStream(target));
          if (size === 0) throw new ApiError(400, 'The audio file is empty');
        } else if (part.fieldname === 'language' && typeof part.value === 'string' && part.value.trim()) {
          language = part.value.trim().slice(0, 20);
        }
      }
    } catch (err) {
      if (file) await fs.promises.rm(file, { force: true });
      if (err instanceof ApiError) throw err;
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw new ApiError(413, `The audio file is larger than ${ctx.config.media.stt.maxUploadMb} MB`);
      }
      throw new ApiError(400, 'Error uploading the audio file');
    }
    if (!file) throw missing;
    return { file, language };
  }
}

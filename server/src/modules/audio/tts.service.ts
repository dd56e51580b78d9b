import type { UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { engineFetch, failedAnswer, jsonAnswer } from '../../net/engine-fetch.js';
import { SpeechCache } from './speech-cache.js';

/** Text-to-speech through the configured engine (AUDIO_TTS_ENGINE): openai, elevenlabs or azure. */

const OPENAI_VOICES = ['alloy', 'echo', 'fable', 'onyx', 'nova', 'shimmer'];
const OPENAI_MODELS = [{ id: 'tts-1' }, { id: 'tts-1-hd' }];

export function generationTimeoutMs(ctx: AppContext): number {
  return (ctx.config.timeouts.clientSeconds ?? 300) * 1000;
}

const listTimeoutMs = (ctx: AppContext) => ctx.config.timeouts.modelListSeconds * 1000;
const trim = (u: string) => u.replace(/\/+$/, '');
const isOfficialOpenAI = (u: string) => u.startsWith('https://api.openai.com');

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' })[c]!);
}

function forwardedUserHeaders(ctx: AppContext, user: UserModel): Record<string, string> {
  if (!ctx.config.models.forwardUserInfoHeaders) return {};
  return {
    'X-OpenWebUI-User-Name': encodeURIComponent(user.name),
    'X-OpenWebUI-User-Id': user.id,
    'X-OpenWebUI-User-Email': user.email,
    'X-OpenWebUI-User-Role': user.role,
  };
}

export class TtsService {
  readonly cache: SpeechCache;
  /** ElevenLabs voices per API key for a minute: every speech request checks its voice id against them. */
  #elevenVoices = new Map<string, { at: number; voices: Map<string, string> }>();

  constructor(private readonly ctx: AppContext) {
    this.cache = new SpeechCache(ctx.config.paths.dataDir);
  }

  private get s() {
    return this.ctx.settings;
  }

  /** Audio for a speech request body; cached by the hash of body, engine and model like the original. */
  async speech(raw: Buffer, user: UserModel): Promise<{ audio: Buffer; contentType: string; cached: boolean }> {
    const engine = this.s.get('AUDIO_TTS_ENGINE');
    const model = this.s.get('AUDIO_TTS_MODEL');
    // The original hashes body, engine and model; the default voice joins them because a body without a
    // `voice` (what our UI sends) is spoken in AUDIO_TTS_VOICE, which the admin can change.
    const defaultVoice = this.s.get('AUDIO_TTS_VOICE');
    const name = SpeechCache.key(raw, engine, model, defaultVoice);
    const hit = await this.cache.get(name);
    if (hit) return { audio: hit, contentType: 'audio/mpeg', cached: true };

    let payload: Record<string, unknown>;
    try {
      const v: unknown = JSON.parse(raw.toString('utf8'));
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      payload = v as Record<string, unknown>;
    } catch {
      throw new ApiError(400, 'Invalid JSON payload');
    }
    if (typeof payload.input !== 'string' || !payload.input.trim()) throw new ApiError(400, 'Invalid JSON payload: "input" (the text to speak) is required');
    if (payload.input.length > 20_000) throw new ApiError(400, 'The text to speak is longer than 20000 characters');
    const input = payload.input;
    if (typeof payload.voice !== 'string' || !payload.voice) payload = { ...payload, voice: defaultVoice };

    let audio: Buffer;
    let sent: Record<string, unknown> = payload;
    if (engine === 'openai') {
      sent = { ...payload, model, ...(this.s.get('AUDIO_TTS_OPENAI_PARAMS') ?? {}) };
      const res = await engineFetch(`${trim(this.s.get('AUDIO_TTS_OPENAI_API_BASE_URL'))}/audio/speech`, {
        engine: 'OpenAI speech',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.s.get('AUDIO_TTS_OPENAI_API_KEY')}`, ...forwardedUserHeaders(this.ctx, user) },
        body: JSON.stringify(sent),
        timeoutMs: generationTimeoutMs(this.ctx),
      });
      if (!res.ok) throw failedAnswer('OpenAI speech', res);
      audio = res.body;
    } else if (engine === 'elevenlabs') {
      const voice = typeof payload.voice === 'string' ? payload.voice : '';
      if (!(await this.elevenlabsVoices()).has(voice)) throw new ApiError(400, 'Invalid voice id');
      const res = await engineFetch(`${this.ctx.config.media.tts.elevenlabsBaseUrl}/v1/text-to-speech/${encodeURIComponent(voice)}`, {
        engine: 'ElevenLabs',
        method: 'POST',
        headers: { accept: 'audio/mpeg', 'content-type': 'application/json', 'xi-api-key': this.s.get('AUDIO_TTS_API_KEY') },
        body: JSON.stringify({ text: input, model_id: model, voice_settings: { stability: 0.5, similarity_boost: 0.5 } }),
        timeoutMs: generationTimeoutMs(this.ctx),
      });
      if (!res.ok) throw failedAnswer('ElevenLabs', res);
      audio = res.body;
    } else if (engine === 'azure') {
      const voice = this.s.get('AUDIO_TTS_VOICE');
      const locale = voice.split('-').slice(0, 1).join('-');
      const ssml =
        `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="${xmlEscape(locale)}">` +
        `<voice name="${xmlEscape(voice)}">${xmlEscape(input)}</voice></speak>`;
      const res = await engineFetch(`${this.azureBase()}/cognitiveservices/v1`, {
        engine: 'Azure speech',
        method: 'POST',
        headers: {
          'Ocp-Apim-Subscription-Key': this.s.get('AUDIO_TTS_API_KEY'),
          'content-type': 'application/ssml+xml',
          'X-Microsoft-OutputFormat': this.s.get('AUDIO_TTS_AZURE_SPEECH_OUTPUT_FORMAT'),
        },
        body: ssml,
        timeoutMs: generationTimeoutMs(this.ctx),
      });
      if (!res.ok) throw failedAnswer('Azure speech', res);
      audio = res.body;
    } else {
      // The original's default ('') is a local transformers pipeline, which this server does not ship.
      throw new ApiError(400, 'Text-to-speech is not configured: set AUDIO_TTS_ENGINE to openai, elevenlabs or azure');
    }
    if (!audio.length) throw new ApiError(502, 'The speech engine returned no audio');
    await this.cache.put(name, audio, JSON.stringify(sent));
    return { audio, contentType: 'audio/mpeg', cached: false };
  }

  private azureBase(): string {
    const base = this.s.get('AUDIO_TTS_AZURE_SPEECH_BASE_URL');
    return trim(base || `https://${this.s.get('AUDIO_TTS_AZURE_SPEECH_REGION') || 'eastus'}.tts.speech.microsoft.com`);
  }

  /** `/audio/models`: what the engine offers; a failing engine gives the built-in list or none (as the original). */
  async models(): Promise<Record<string, unknown>[]> {
    const engine = this.s.get('AUDIO_TTS_ENGINE');
    try {
      if (engine === 'openai') {
        const base = trim(this.s.get('AUDIO_TTS_OPENAI_API_BASE_URL'));
        if (isOfficialOpenAI(base)) return OPENAI_MODELS;
        const res = await engineFetch(`${base}/audio/models`, { engine: 'OpenAI speech', timeoutMs: listTimeoutMs(this.ctx) });
        const models = res.ok ? jsonAnswer('OpenAI speech', res).models : null;
        return Array.isArray(models) ? (models as Record<string, unknown>[]) : OPENAI_MODELS;
      }
      if (engine === 'elevenlabs') {
        const res = await engineFetch(`${this.ctx.config.media.tts.elevenlabsBaseUrl}/v1/models`, {
          engine: 'ElevenLabs',
          headers: { 'xi-api-key': this.s.get('AUDIO_TTS_API_KEY') },
          timeoutMs: 5000,
        });
        const list: unknown = res.ok ? res.json() : [];
        return Array.isArray(list) ? list.map((m: { name?: string; model_id?: string }) => ({ name: m.name, id: m.model_id })) : [];
      }
    } catch (err) {
      this.ctx.log.warn({ err: (err as Error).message }, 'audio: listing speech models failed');
      return engine === 'openai' ? OPENAI_MODELS : [];
    }
    return [];
  }

  private async elevenlabsVoices(): Promise<Map<string, string>> {
    const key = this.s.get('AUDIO_TTS_API_KEY');
    const hit = this.#elevenVoices.get(key);
    if (hit && Date.now() - hit.at < 60_000) return hit.voices;
    const voices = await this.voices();
    if (voices.size) {
      if (this.#elevenVoices.size > 16) this.#elevenVoices.clear();
      this.#elevenVoices.set(key, { at: Date.now(), voices });
    }
    return voices;
  }

  /** Voice id -> name of the configured engine. */
  async voices(): Promise<Map<string, string>> {
    const engine = this.s.get('AUDIO_TTS_ENGINE');
    const out = new Map<string, string>();
    const builtIn = () => new Map(OPENAI_VOICES.map((v) => [v, v]));
    try {
      if (engine === 'openai') {
        const base = trim(this.s.get('AUDIO_TTS_OPENAI_API_BASE_URL'));
        if (isOfficialOpenAI(base)) return builtIn();
        const res = await engineFetch(`${base}/audio/voices`, { engine: 'OpenAI speech', timeoutMs: listTimeoutMs(this.ctx) });
        const voices = res.ok ? jsonAnswer('OpenAI speech', res).voices : null;
        if (!Array.isArray(voices)) return builtIn();
        for (const v of voices as { id?: unknown; name?: unknown }[]) if (typeof v.id === 'string') out.set(v.id, String(v.name ?? v.id));
      } else if (engine === 'elevenlabs') {
        const res = await engineFetch(`${this.ctx.config.media.tts.elevenlabsBaseUrl}/v1/voices`, {
          engine: 'ElevenLabs',
          headers: { 'xi-api-key': this.s.get('AUDIO_TTS_API_KEY') },
          timeoutMs: listTimeoutMs(this.ctx),
        });
        const voices = res.ok ? jsonAnswer('ElevenLabs', res).voices : null;
        for (const v of (Array.isArray(voices) ? voices : []) as { voice_id?: unknown; name?: unknown }[]) {
          if (typeof v.voice_id === 'string') out.set(v.voice_id, String(v.name ?? v.voice_id));
        }
      } else if (engine === 'azure') {
        const res = await engineFetch(`${this.azureBase()}/cognitiveservices/voices/list`, {
          engine: 'Azure speech',
          headers: { 'Ocp-Apim-Subscription-Key': this.s.get('AUDIO_TTS_API_KEY') },
          timeoutMs: listTimeoutMs(this.ctx),
        });
        const list: unknown = res.ok ? res.json() : [];
        for (const v of (Array.isArray(list) ? list : []) as { ShortName?: unknown; DisplayName?: unknown }[]) {
          if (typeof v.ShortName === 'string') out.set(v.ShortName, `${String(v.DisplayName)} (${v.ShortName})`);
        }
      }
    } catch (err) {
      this.ctx.log.warn({ err: (err as Error).message }, 'audio: listing voices failed');
      return engine === 'openai' ? builtIn() : out;
    }
    return out;
  }
}

import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { engineFetch, failedAnswer, jsonAnswer } from '../../net/engine-fetch.js';
import type { SafeResponse } from '../../net/safe-fetch.js';
import { convertToMp3, MIME_OF, sniffAudio } from './audio-convert.js';
import { generationTimeoutMs } from './tts.service.js';

/** Speech-to-text through the configured engine (AUDIO_STT_ENGINE): openai, deepgram or azure. */

const AZURE_DEFAULT_LOCALES = 'en-US,es-ES,es-MX,fr-FR,hi-IN,it-IT,de-DE,en-GB,en-IN,ja-JP,ko-KR,pt-BR,zh-CN';
const AZURE_MAX_BYTES = 200 * 1024 * 1024;

/** fnmatch-style match of a content type against patterns like `audio/*`. */
export function contentTypeAllowed(type: string, patterns: string[]): boolean {
  const list = patterns.some((p) => p.trim()) ? patterns : ['audio/*', 'video/webm'];
  return list.some((p) => {
    const re = new RegExp(`^${p.trim().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    return re.test(type);
  });
}

export class SttService {
  readonly dir: string;

  constructor(private readonly ctx: AppContext) {
    this.dir = path.join(ctx.config.paths.dataDir, 'cache', 'audio', 'transcriptions');
  }

  private get s() {
    return this.ctx.settings;
  }

  /** A fresh path for an upload in the transcriptions cache (the original's folder). */
  async newPath(filename: string): Promise<string> {
    await fs.mkdir(this.dir, { recursive: true });
    const ext = (filename.includes('.') ? filename.slice(filename.lastIndexOf('.') + 1) : 'bin').replace(/[^a-z0-9]/gi, '').slice(0, 8) || 'bin';
    return path.join(this.dir, `${randomUUID()}.${ext}`);
  }

  /** Transcribes a stored upload; the upload and any converted copy are removed afterwards. */
  async transcribe(file: string, language: string | undefined): Promise<{ text: string; filename: string }> {
    const engine = this.s.get('AUDIO_STT_ENGINE');
    if (!['openai', 'deepgram', 'azure'].includes(engine)) {
      // The original's default ('') is a local faster-whisper model, which this server does not ship.
      await fs.rm(file, { force: true });
      throw new ApiError(400, 'Speech-to-text is not configured: set AUDIO_STT_ENGINE to openai, deepgram or azure');
    }
    const cleanup = [file];
    try {
      const handle = await fs.open(file, 'r');
      const head = Buffer.alloc(16);
      await handle.read(head, 0, 16, 0).finally(() => handle.close());
      let format = sniffAudio(head);
      let audioPath = file;
      if (format === 'unknown') {
        audioPath = file.replace(/\.[^.]+$/, '') + '.converted.mp3';
        cleanup.push(audioPath);
        await convertToMp3(this.ctx.config.media.stt.ffmpegPath, file, audioPath);
        format = 'mp3';
      }
      const bytes = await fs.readFile(audioPath);
      const name = format === 'mp3' && audioPath !== file ? path.basename(audioPath) : path.basename(file);
      const forced = this.ctx.config.media.stt.whisperLanguage;
      const languages = [forced || language || undefined, undefined];
      const text =
        engine === 'openai'
          ? await this.openai(bytes, name, MIME_OF[format], languages)
          : engine === 'deepgram'
            ? await this.deepgram(bytes, MIME_OF[format], languages)
            : await this.azure(bytes, name, MIME_OF[format]);
      return { text, filename: path.basename(file) };
    } finally {
      for (const f of cleanup) await fs.rm(f, { force: true });
    }
  }

  /** Tries the given language, then none (a wrong language code should not lose the recording). */
  private async withLanguages(languages: (string | undefined)[], call: (lang: string | undefined) => Promise<SafeResponse>): Promise<SafeResponse> {
    let res: SafeResponse | null = null;
    for (const lang of [...new Set(languages)]) {
      res = await call(lang);
      if (res.ok) break;
    }
    return res!;
  }

  private async openai(bytes: Buffer, filename: string, mime: string, languages: (string | undefined)[]): Promise<string> {
    const base = this.s.get('AUDIO_STT_OPENAI_API_BASE_URL').replace(/\/+$/, '');
    const res = await this.withLanguages(languages, async (lang) => {
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(bytes)], { type: mime }), filename);
      form.set('model', this.s.get('AUDIO_STT_MODEL'));
      if (lang) form.set('language', lang);
      const { body, type } = await encodeForm(form);
      return engineFetch(`${base}/audio/transcriptions`, {
        engine: 'OpenAI transcription',
        method: 'POST',
        headers: { authorization: `Bearer ${this.s.get('AUDIO_STT_OPENAI_API_KEY')}`, 'content-type': type },
        body,
        timeoutMs: generationTimeoutMs(this.ctx),
      });
    });
    if (!res.ok) throw failedAnswer('OpenAI transcription', res);
    const text = jsonAnswer('OpenAI transcription', res).text;
    if (typeof text !== 'string') throw new ApiError(502, 'OpenAI transcription sent no "text"');
    return text.trim();
  }

  private async deepgram(bytes: Buffer, mime: string, languages: (string | undefined)[]): Promise<string> {
    const base = this.ctx.config.media.stt.deepgramBaseUrl;
    const res = await this.withLanguages(languages, (lang) => {
      const q = new URLSearchParams({ smart_format: 'true' });
      const model = this.s.get('AUDIO_STT_MODEL');
      if (model) q.set('model', model);
      if (lang) q.set('language', lang);
      return engineFetch(`${base}/v1/listen?${q}`, {
        engine: 'Deepgram',
        method: 'POST',
        headers: { authorization: `Token ${this.s.get('DEEPGRAM_API_KEY')}`, 'content-type': mime },
        body: bytes,
        timeoutMs: generationTimeoutMs(this.ctx),
      });
    });
    if (!res.ok) throw failedAnswer('Deepgram', res);
    const data = jsonAnswer('Deepgram', res) as { results?: { channels?: { alternatives?: { transcript?: unknown }[] }[] } };
    const transcript = data.results?.channels?.[0]?.alternatives?.[0]?.transcript;
    if (typeof transcript !== 'string') throw new ApiError(502, 'Failed to parse Deepgram response - unexpected response format');
    return transcript.trim();
  }

  private async azure(bytes: Buffer, filename: string, mime: string): Promise<string> {
    if (bytes.length > AZURE_MAX_BYTES) throw new ApiError(400, "File size exceeds Azure's limit of 200MB");
    const key = this.s.get('AUDIO_STT_AZURE_API_KEY');
    const region = this.s.get('AUDIO_STT_AZURE_REGION') || 'eastus';
    if (!key) throw new ApiError(400, 'Azure API key is required for Azure STT');
    let locales = this.s.get('AUDIO_STT_AZURE_LOCALES');
    if (locales.length < 2) locales = AZURE_DEFAULT_LOCALES;
    const maxSpeakers = Number(this.s.get('AUDIO_STT_AZURE_MAX_SPEAKERS')) || 3;
    const form = new FormData();
    form.set('audio', new Blob([new Uint8Array(bytes)], { type: mime }), filename);
    form.set('definition', JSON.stringify({ locales: locales.split(','), diarization: { maxSpeakers, enabled: true } }));
    const { body, type } = await encodeForm(form);
    const base = (this.s.get('AUDIO_STT_AZURE_BASE_URL') || `https://${region}.api.cognitive.microsoft.com`).replace(/\/+$/, '');
    const res = await engineFetch(`${base}/speechtotext/transcriptions:transcribe?api-version=2024-11-15`, {
      engine: 'Azure transcription',
      method: 'POST',
      headers: { 'Ocp-Apim-Subscription-Key': key, 'content-type': type },
      body,
      timeoutMs: generationTimeoutMs(this.ctx),
    });
    if (!res.ok) throw failedAnswer('Azure transcription', res);
    const phrases = jsonAnswer('Azure transcription', res).combinedPhrases as { text?: unknown }[] | undefined;
    const text = Array.isArray(phrases) && typeof phrases[0]?.text === 'string' ? phrases[0].text.trim() : '';
    if (!text) throw new ApiError(502, 'Failed to parse Azure response: no transcription found');
    return text;
  }
}

/** A multipart body as bytes (the fetch client takes bytes), encoded by the platform's FormData. */
async function encodeForm(form: FormData): Promise<{ body: Buffer; type: string }> {
  const req = new Request('http://form.invalid/', { method: 'POST', body: form });
  return { body: Buffer.from(await req.arrayBuffer()), type: req.headers.get('content-type')! };
}

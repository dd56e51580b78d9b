import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { FAKE_MP3, makeAiff, makeWav, startFakeMedia, type FakeMedia } from '../fakes/fake-media.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Json = Record<string, any>;

function audioForm(bytes: Buffer, filename: string, type: string, language?: string): FormData {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(bytes)], { type }), filename);
  if (language) form.set('language', language);
  return form;
}

async function transcribe(srv: TestServer, token: string, form: FormData): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${srv.url}/api/v1/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: res.status, body: (await res.json()) as Json };
}

async function speech(srv: TestServer, token: string, body: unknown): Promise<Response> {
  return fetch(`${srv.url}/api/v1/audio/speech`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('audio: transcriptions, speech, models, voices, config', () => {
  let fake: FakeMedia;
  let srv: TestServer;
  let admin: { token: string };
  let alice: { token: string };

  beforeAll(async () => {
    fake = await startFakeMedia();
    srv = await startTestServer({
      AUDIO_STT_ENGINE: 'openai',
      AUDIO_STT_OPENAI_API_BASE_URL: `${fake.url}/openai/v1`,
      AUDIO_STT_OPENAI_API_KEY: 'sk-stt',
      AUDIO_STT_MODEL: 'whisper-1',
      AUDIO_STT_MAX_UPLOAD_MB: '1',
      AUDIO_TTS_ENGINE: 'openai',
      AUDIO_TTS_OPENAI_API_BASE_URL: `${fake.url}/openai/v1`,
      AUDIO_TTS_OPENAI_API_KEY: 'sk-tts',
      AUDIO_TTS_MODEL: 'tts-1-hd',
      ELEVENLABS_API_BASE_URL: `${fake.url}/elevenlabs`,
      DEEPGRAM_API_BASE_URL: `${fake.url}/deepgram`,
      AIOHTTP_CLIENT_TIMEOUT: '1',
    });
    admin = await createUser(srv.ctx, { role: 'admin' });
    alice = await createUser(srv.ctx);
  });
  afterAll(async () => {
    await srv.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.mode.clear();
  });

  it('transcribes a WAV recorded in the test through the OpenAI-compatible endpoint, unconverted', async () => {
    const wav = makeWav(300);
    const { status, body } = await transcribe(srv, alice.token, audioForm(wav, 'recording.wav', 'audio/wav', 'en'));
    expect(status).toBe(200);
    expect(body.text).toBe('What is the capital of France?');
    expect(body.filename).toMatch(/^[0-9a-f-]{36}\.wav$/);
    const got = fake.requests.find((r) => r.path === '/openai/v1/audio/transcriptions')!;
    expect(got.headers.authorization).toBe('Bearer sk-stt');
    const parts = new Map(got.form!.map((p) => [p.name, p]));
    expect(parts.get('model')!.value).toBe('whisper-1');
    expect(parts.get('language')!.value).toBe('en');
    expect(Buffer.compare(parts.get('file')!.value as Buffer, wav)).toBe(0);
    // The upload is not kept after the answer.
    expect(fs.readdirSync(path.join(srv.dataDir, 'cache', 'audio', 'transcriptions'))).toEqual([]);
  });

  it('converts a format the endpoint cannot read (AIFF) to mp3 with ffmpeg first', async () => {
    const { status, body } = await transcribe(srv, alice.token, audioForm(makeAiff(400), 'memo.aiff', 'audio/aiff'));
    expect(status, JSON.stringify(body)).toBe(200);
    const file = fake.requests.find((r) => r.path === '/openai/v1/audio/transcriptions')!.form!.find((p) => p.name === 'file')!;
    expect(file.filename).toMatch(/\.mp3$/);
    expect(file.type).toBe('audio/mpeg');
    const head = file.value as Buffer;
    expect(head.subarray(0, 3).toString() === 'ID3' || (head[0] === 0xff && (head[1]! & 0xe0) === 0xe0)).toBe(true);
  });

  it('refuses other content types (400), oversized files (413) and a missing file (422)', async () => {
    const wrong = await transcribe(srv, alice.token, audioForm(Buffer.from('hello'), 'notes.txt', 'text/plain'));
    expect(wrong.status).toBe(400);
    expect(wrong.body.detail).toMatch(/not supported/);
    const big = await transcribe(srv, alice.token, audioForm(makeWav(40_000), 'long.wav', 'audio/wav'));
    expect(big.status).toBe(413);
    expect(big.body.detail).toMatch(/larger than 1 MB/);
    const none = new FormData();
    none.set('language', 'en');
    expect((await transcribe(srv, alice.token, none)).status).toBe(422);
    expect(fake.requests).toHaveLength(0);
  });

  it('engine faults: down -> 502, slow -> 504 in time, garbage -> 502, its 401 passes through with its message', async () => {
    const wav = makeWav(200);
    fake.mode.set('openai', 'down');
    const down = await transcribe(srv, alice.token, audioForm(wav, 'a.wav', 'audio/wav'));
    expect(down.status).toBe(502);
    expect(down.body.detail).toMatch(/Server Connection Error/);

    fake.mode.set('openai', 'hang');
    const t0 = Date.now();
    const slow = await transcribe(srv, alice.token, audioForm(wav, 'a.wav', 'audio/wav'));
    expect(slow.status).toBe(504);
    expect(slow.body.detail).toMatch(/did not answer within 1 s/);
    expect(Date.now() - t0).toBeLessThan(4000); // one try per language (given, then none), each 1 s at most

    fake.mode.set('openai', 'garbage');
    const garbage = await transcribe(srv, alice.token, audioForm(wav, 'a.wav', 'audio/wav'));
    expect(garbage.status).toBe(502);
    expect(garbage.body.detail).toMatch(/not the expected JSON/);

    fake.mode.set('openai', 'error');
    const denied = await speech(srv, alice.token, { input: 'Hi', voice: 'alloy' });
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as Json).detail).toMatch(/^External: .*Incorrect API key provided/);
  });

  it('speaks through OpenAI with the configured model, then serves the same text from the on-disk cache', async () => {
    const first = await speech(srv, alice.token, { input: 'Paris is the capital of France.', voice: 'alloy' });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.compare(Buffer.from(await first.arrayBuffer()), FAKE_MP3)).toBe(0);
    const sent = fake.requests.find((r) => r.path === '/openai/v1/audio/speech')!;
    expect(sent.headers.authorization).toBe('Bearer sk-tts');
    expect(JSON.parse(sent.body.toString())).toEqual({ input: 'Paris is the capital of France.', voice: 'alloy', model: 'tts-1-hd' });

    fake.requests.length = 0;
    const again = await speech(srv, alice.token, { input: 'Paris is the capital of France.', voice: 'alloy' });
    expect(again.headers.get('x-speech-cache')).toBe('hit');
    expect(Buffer.compare(Buffer.from(await again.arrayBuffer()), FAKE_MP3)).toBe(0);
    expect(fake.requests).toHaveLength(0);
    const files = fs.readdirSync(path.join(srv.dataDir, 'cache', 'audio', 'speech'));
    expect(files.filter((f) => f.endsWith('.mp3')).length).toBeGreaterThanOrEqual(1);

    const bad = await fetch(`${srv.url}/api/v1/audio/speech`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: 'not json' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).detail).toBe('Invalid JSON payload');
    expect((await speech(srv, alice.token, { voice: 'alloy' })).status).toBe(400);
  });

  it('plain users need the chat.stt and chat.tts permissions', async () => {
    const perms = (await (await srv.request('GET', '/api/v1/users/default/permissions', { token: admin.token })).json()) as Json;
    await srv.request('POST', '/api/v1/users/default/permissions', { token: admin.token, body: { ...perms, chat: { ...perms.chat, stt: false, tts: false } } });
    try {
      const t = await transcribe(srv, alice.token, audioForm(makeWav(100), 'a.wav', 'audio/wav'));
      expect(t.status).toBe(403);
      expect(t.body.detail).toMatch(/speech-to-text/);
      expect((await speech(srv, alice.token, { input: 'Hi' })).status).toBe(403);
      expect((await speech(srv, admin.token, { input: 'Hi there' })).status).toBe(200);
    } finally {
      await srv.request('POST', '/api/v1/users/default/permissions', { token: admin.token, body: perms });
    }
    expect((await speech(srv, alice.token, { input: 'Hi again' })).status).toBe(200);
  });

  it('lists models and voices of a self-hosted OpenAI-compatible server', async () => {
    const models = (await (await srv.request('GET', '/api/v1/audio/models', { token: alice.token })).json()) as Json;
    expect(models).toEqual({ models: [{ id: 'kokoro' }, { id: 'piper' }] });
    const voices = (await (await srv.request('GET', '/api/v1/audio/voices', { token: alice.token })).json()) as Json;
    expect(voices).toEqual({ voices: [{ id: 'af_sky', name: 'Sky' }] });
    fake.mode.set('openai', 'down');
    const fallback = (await (await srv.request('GET', '/api/v1/audio/voices', { token: alice.token })).json()) as Json;
    expect(fallback.voices.map((v: Json) => v.id)).toContain('alloy');
  });

  it('config is admin-only; an update switches to ElevenLabs, Azure, Deepgram and Azure STT', async () => {
    expect((await srv.request('GET', '/api/v1/audio/config', { token: alice.token })).status).toBe(401);
    const cfg = (await (await srv.request('GET', '/api/v1/audio/config', { token: admin.token })).json()) as Json;
    expect(cfg.tts).toMatchObject({ ENGINE: 'openai', MODEL: 'tts-1-hd', VOICE: 'alloy', SPLIT_ON: 'punctuation', AZURE_SPEECH_OUTPUT_FORMAT: 'audio-24khz-160kbitrate-mono-mp3' });
    expect(cfg.stt).toMatchObject({ ENGINE: 'openai', MODEL: 'whisper-1', SUPPORTED_CONTENT_TYPES: [], WHISPER_MODEL: 'base' });

    const update = async (tts: Json, stt: Json) =>
      srv.request('POST', '/api/v1/audio/config/update', { token: admin.token, body: { tts: { ...cfg.tts, ...tts }, stt: { ...cfg.stt, ...stt } } });
    expect((await srv.request('POST', '/api/v1/audio/config/update', { token: alice.token, body: cfg })).status).toBe(401);
    expect((await srv.request('POST', '/api/v1/audio/config/update', { token: admin.token, body: { tts: {} } })).status).toBe(422);

    // ElevenLabs
    let res = await update({ ENGINE: 'elevenlabs', API_KEY: 'xi-key', MODEL: 'eleven_multilingual_v2' }, {});
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).tts.ENGINE).toBe('elevenlabs');
    const voices = (await (await srv.request('GET', '/api/v1/audio/voices', { token: alice.token })).json()) as Json;
    expect(voices.voices).toEqual([{ id: 'EXAVITQu4vr4xnSDxMaL', name: 'Sarah' }]);
    const models = (await (await srv.request('GET', '/api/v1/audio/models', { token: alice.token })).json()) as Json;
    expect(models.models).toEqual([{ name: 'Multilingual v2', id: 'eleven_multilingual_v2' }]);
    expect((await speech(srv, alice.token, { input: 'Bonjour', voice: 'nobody' })).status).toBe(400);
    res = await speech(srv, alice.token, { input: 'Bonjour', voice: 'EXAVITQu4vr4xnSDxMaL' });
    expect(res.status).toBe(200);
    const el = fake.requests.find((r) => r.path === '/elevenlabs/v1/text-to-speech/EXAVITQu4vr4xnSDxMaL')!;
    expect(el.headers['xi-api-key']).toBe('xi-key');
    expect(JSON.parse(el.body.toString())).toMatchObject({ text: 'Bonjour', model_id: 'eleven_multilingual_v2' });

    // Azure speech: SSML with the text escaped
    await update({ ENGINE: 'azure', API_KEY: 'az-key', VOICE: 'en-US-JennyNeural', AZURE_SPEECH_BASE_URL: `${fake.url}/azure` }, {});
    res = await speech(srv, alice.token, { input: 'Fish & <chips>' });
    expect(res.status).toBe(200);
    const az = fake.requests.find((r) => r.path === '/azure/cognitiveservices/v1')!;
    expect(az.headers['ocp-apim-subscription-key']).toBe('az-key');
    expect(az.headers['x-microsoft-outputformat']).toBe('audio-24khz-160kbitrate-mono-mp3');
    expect(az.body.toString()).toContain('<voice name="en-US-JennyNeural">Fish &amp; &lt;chips&gt;</voice>');
    const azVoices = (await (await srv.request('GET', '/api/v1/audio/voices', { token: alice.token })).json()) as Json;
    expect(azVoices.voices).toEqual([{ id: 'en-US-JennyNeural', name: 'Jenny (en-US-JennyNeural)' }]);

    // Deepgram: raw audio body, Token auth
    await update({}, { ENGINE: 'deepgram', DEEPGRAM_API_KEY: 'dg-key', MODEL: 'nova-2' });
    let t = await transcribe(srv, alice.token, audioForm(makeWav(200), 'a.wav', 'audio/wav', 'fr'));
    expect(t).toMatchObject({ status: 200, body: { text: 'What is the capital of France?' } });
    const dg = fake.requests.find((r) => r.path.startsWith('/deepgram/v1/listen'))!;
    expect(dg.path).toContain('smart_format=true');
    expect(dg.path).toContain('model=nova-2');
    expect(dg.path).toContain('language=fr');
    expect(dg.headers.authorization).toBe('Token dg-key');
    expect(dg.headers['content-type']).toBe('audio/wav');

    // Azure STT: multipart with the definition
    await update({}, { ENGINE: 'azure', AZURE_API_KEY: 'az-stt', AZURE_BASE_URL: `${fake.url}/azure`, AZURE_LOCALES: 'en-US,fr-FR' });
    t = await transcribe(srv, alice.token, audioForm(makeWav(200), 'a.wav', 'audio/wav'));
    expect(t.status).toBe(200);
    const azs = fake.requests.find((r) => r.path.startsWith('/azure/speechtotext/transcriptions:transcribe'))!;
    expect(azs.path).toContain('api-version=2024-11-15');
    expect(JSON.parse(String(azs.form!.find((p) => p.name === 'definition')!.value))).toEqual({ locales: ['en-US', 'fr-FR'], diarization: { maxSpeakers: 3, enabled: true } });

    // Not configured: a clear 400, not a 500
    await update({ ENGINE: '' }, { ENGINE: '' });
    expect((await speech(srv, alice.token, { input: 'x' })).status).toBe(400);
    t = await transcribe(srv, alice.token, audioForm(makeWav(100), 'a.wav', 'audio/wav'));
    expect(t.status).toBe(400);
    expect(t.body.detail).toMatch(/not configured/);
  });
});

describe('audio: without ffmpeg', () => {
  it('a format that needs conversion gets a clear 400; WAV still works', async () => {
    const fake = await startFakeMedia();
    const srv = await startTestServer({ AUDIO_STT_ENGINE: 'openai', AUDIO_STT_OPENAI_API_BASE_URL: `${fake.url}/openai/v1`, FFMPEG_PATH: '/nonexistent/ffmpeg' });
    try {
      const u = await createUser(srv.ctx);
      const aiff = await transcribe(srv, u.token, audioForm(makeAiff(200), 'memo.aiff', 'audio/aiff'));
      expect(aiff.status).toBe(400);
      expect(aiff.body.detail).toMatch(/ffmpeg is not installed/);
      expect((await transcribe(srv, u.token, audioForm(makeWav(200), 'a.wav', 'audio/wav'))).status).toBe(200);
    } finally {
      await srv.close();
      await fake.close();
    }
  });
});

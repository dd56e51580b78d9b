import { createHash } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';

/**
 * Scripted engines for audio and images, each under its own prefix of one loopback server, speaking the
 * wire formats the server calls: OpenAI (/openai/v1: audio/transcriptions, audio/speech, audio/models,
 * audio/voices, images/generations), ElevenLabs (/elevenlabs/v1), Azure speech (/azure), Deepgram
 * (/deepgram/v1/listen), Gemini (/gemini/models/{m}:predict), AUTOMATIC1111 (/a1111/sdapi/v1) and ComfyUI
 * (/comfy: POST /prompt, ws /ws?clientId=, GET /history/{id}, GET /view). Every request is recorded.
 */

/** A 1x1 PNG. */
export const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
/** What the fake speech engines answer: bytes that start like an MP3 (ID3 tag). */
export const FAKE_MP3 = Buffer.concat([Buffer.from('ID3'), Buffer.alloc(61, 7)]);

export type EngineMode = 'ok' | 'down' | 'slow' | 'garbage' | 'error' | 'hang';

export interface RecordedPart {
  name: string;
  filename?: string;
  type?: string;
  value: string | Buffer;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  form?: RecordedPart[];
}

export interface FakeMedia {
  url: string;
  requests: RecordedRequest[];
  /** Behaviour per engine prefix (openai, elevenlabs, azure, deepgram, gemini, a1111, comfy). */
  mode: Map<string, EngineMode>;
  /** Transcript the STT fakes return. */
  transcript: string;
  slowMs: number;
  /** When set, OpenAI images answers with this `url` instead of base64 (`{origin}` becomes the fake's origin). */
  imageUrl: string | null;
  wsConnections: string[];
  close(): Promise<void>;
}

async function parseForm(req: RecordedRequest): Promise<RecordedPart[]> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('multipart/form-data')) return [];
  const fd = await new Response(new Uint8Array(req.body), { headers: { 'content-type': type } }).formData();
  const out: RecordedPart[] = [];
  for (const [name, v] of fd.entries()) {
    if (typeof v === 'string') out.push({ name, value: v });
    else out.push({ name, filename: (v as File).name, type: v.type, value: Buffer.from(await v.arrayBuffer()) });
  }
  return out;
}

function wsFrame(payload: Buffer, opcode: number): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]);
  return Buffer.concat([head, payload]);
}

export async function startFakeMedia(): Promise<FakeMedia> {
  const requests: RecordedRequest[] = [];
  const mode = new Map<string, EngineMode>();
  const sockets = new Set<Socket>();
  const wsClients = new Map<string, Socket>();
  const wsConnections: string[] = [];
  const prompts = new Map<string, number>();
  let promptSeq = 0;

  const fake: FakeMedia = {
    url: '',
    requests,
    mode,
    transcript: 'What is the capital of France?',
    slowMs: 3000,
    imageUrl: null,
    wsConnections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const sendWs = (clientId: string, msg: unknown | Buffer) => {
    const sock = wsClients.get(clientId);
    if (!sock || sock.destroyed) return;
    sock.write(Buffer.isBuffer(msg) ? wsFrame(msg, 2) : wsFrame(Buffer.from(JSON.stringify(msg)), 1));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers, body: Buffer.concat(chunks) };
        rec.form = await parseForm(rec).catch(() => []);
        requests.push(rec);
        const engine = url.pathname.split('/')[1] ?? '';
        const m = mode.get(engine) ?? 'ok';
        if (m === 'down') return void req.socket.destroy();
        if (m === 'hang') return; // never answers
        if (m === 'slow') await new Promise((r) => setTimeout(r, fake.slowMs));
        if (m === 'garbage') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end('<html>surprise</html>');
        }
        if (m === 'error') return json(res, 401, { error: { message: 'Incorrect API key provided' } });
        route(engine, url, rec, res);
      })();
    });
  });

  function route(engine: string, url: URL, rec: RecordedRequest, res: http.ServerResponse): void {
    const p = url.pathname.slice(engine.length + 1);
    const body = () => JSON.parse(rec.body.toString() || '{}') as Record<string, unknown>;
    if (engine === 'openai') {
      if (p === '/v1/audio/transcriptions') return json(res, 200, { text: fake.transcript });
      if (p === '/v1/audio/speech') return void res.writeHead(200, { 'content-type': 'audio/mpeg' }).end(FAKE_MP3);
      if (p === '/v1/audio/models') return json(res, 200, { models: [{ id: 'kokoro' }, { id: 'piper' }] });
      if (p === '/v1/audio/voices') return json(res, 200, { voices: [{ id: 'af_sky', name: 'Sky' }] });
      if (p === '/v1/images/generations') {
        const n = Number(body().n ?? 1);
        if (fake.imageUrl) return json(res, 200, { created: 1, data: [{ url: fake.imageUrl.replace('{origin}', fake.url) }] });
        return json(res, 200, { created: 1, data: Array.from({ length: n }, () => ({ b64_json: PNG_1X1.toString('base64') })) });
      }
    }
    if (engine === 'openai' && p === '/files/image.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(PNG_1X1);
    if (engine === 'elevenlabs') {
      if (p === '/v1/voices') return json(res, 200, { voices: [{ voice_id: 'EXAVITQu4vr4xnSDxMaL', name: 'Sarah' }] });
      if (p === '/v1/models') return json(res, 200, [{ model_id: 'eleven_multilingual_v2', name: 'Multilingual v2' }]);
      if (p.startsWith('/v1/text-to-speech/')) return void res.writeHead(200, { 'content-type': 'audio/mpeg' }).end(FAKE_MP3);
    }
    if (engine === 'azure') {
      if (p === '/cognitiveservices/v1') return void res.writeHead(200, { 'content-type': 'audio/mpeg' }).end(FAKE_MP3);
      if (p === '/cognitiveservices/voices/list') return json(res, 200, [{ ShortName: 'en-US-JennyNeural', DisplayName: 'Jenny' }]);
      if (p === '/speechtotext/transcriptions:transcribe') return json(res, 200, { combinedPhrases: [{ text: fake.transcript }] });
    }
    if (engine === 'deepgram' && p === '/v1/listen') {
      return json(res, 200, { results: { channels: [{ alternatives: [{ transcript: fake.transcript }] }] } });
    }
    if (engine === 'gemini' && /^\/models\/[^/]+:predict$/.test(p)) {
      return json(res, 200, { predictions: [{ bytesBase64Encoded: PNG_1X1.toString('base64'), mimeType: 'image/png' }] });
    }
    if (engine === 'a1111') {
      if (p === '/sdapi/v1/options') return rec.method === 'POST' ? json(res, 200, null) : json(res, 200, { sd_model_checkpoint: 'sd-v1-5.safetensors [abc]' });
      if (p === '/sdapi/v1/sd-models') return json(res, 200, [{ title: 'sd-v1-5.safetensors [abc]', model_name: 'sd-v1-5' }]);
      if (p === '/sdapi/v1/txt2img') {
        const n = Number(body().batch_size ?? 1);
        return json(res, 200, { images: Array.from({ length: n }, () => PNG_1X1.toString('base64')), parameters: {}, info: '{"seed": 1}' });
      }
    }
    if (engine === 'comfy') {
      if (p === '/object_info') return json(res, 200, { CheckpointLoaderSimple: { input: { required: { ckpt_name: [['dreamshaper_8.safetensors', 'sdxl.safetensors']] } } } });
      if (p === '/prompt') {
        const { client_id } = body() as { client_id: string };
        const id = `p-${++promptSeq}`;
        prompts.set(id, 1);
        json(res, 200, { prompt_id: id, number: promptSeq, node_errors: {} });
        const behaviour = mode.get('comfy-run') ?? 'ok';
        // Progress as ComfyUI sends it: status, executing per node, a binary preview, then node null.
        setTimeout(() => {
          sendWs(client_id, { type: 'status', data: { status: { exec_info: { queue_remaining: 1 } } } });
          sendWs(client_id, { type: 'executing', data: { node: '3', prompt_id: id } });
          sendWs(client_id, Buffer.from([0, 0, 0, 1, 1, 2, 3]));
          if (behaviour === 'error') sendWs(client_id, { type: 'execution_error', data: { prompt_id: id, exception_message: 'CUDA out of memory' } });
          else if (behaviour !== 'hang') sendWs(client_id, { type: 'executing', data: { node: null, prompt_id: id } });
        }, 30);
        return;
      }
      if (p.startsWith('/history/')) {
        const id = decodeURIComponent(p.slice('/history/'.length));
        return json(res, 200, { [id]: { outputs: { '9': { images: [{ filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output' }] } } } });
      }
      if (p === '/view') return void res.writeHead(200, { 'content-type': 'image/png' }).end(PNG_1X1);
    }
    json(res, 404, { detail: `fake-media: no route ${rec.method} ${url.pathname}` });
  }

  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket: Socket) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: 'WS', path: url.pathname + url.search, headers: req.headers, body: Buffer.alloc(0) });
    if (url.pathname !== '/comfy/ws' || mode.get('comfy') === 'down') return void socket.destroy();
    const key = String(req.headers['sec-websocket-key'] ?? '');
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    const clientId = url.searchParams.get('clientId') ?? '';
    wsClients.set(clientId, socket);
    wsConnections.push(clientId);
    socket.on('data', (d: Buffer) => {
      if ((d[0]! & 0x0f) === 8) socket.end(wsFrame(Buffer.alloc(0), 8)); // answer a close frame
    });
    socket.on('error', () => undefined);
    socket.on('close', () => wsClients.delete(clientId));
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  fake.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return fake;
}

/** A WAV file of `ms` milliseconds of a 440 Hz tone: 16-bit mono PCM at 16 kHz with its RIFF header. */
export function makeWav(ms = 300, rate = 16000): Buffer {
  const samples = Math.round((rate * ms) / 1000);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8000), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** The same tone as AIFF (big-endian PCM), a format the transcription endpoint does not read: it needs ffmpeg. */
export function makeAiff(ms = 300, rate = 16000): Buffer {
  const samples = Math.round((rate * ms) / 1000);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16BE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8000), i * 2);
  const comm = Buffer.alloc(26);
  comm.write('COMM', 0);
  comm.writeUInt32BE(18, 4);
  comm.writeUInt16BE(1, 8);
  comm.writeUInt32BE(samples, 10);
  comm.writeUInt16BE(16, 14);
  // 80-bit extended float of the sample rate (16000 = 0x400C FA00 0000 0000 0000).
  const exp = 16383 + Math.floor(Math.log2(rate));
  comm.writeUInt16BE(exp, 16);
  comm.writeUInt32BE(Math.round((rate / 2 ** Math.floor(Math.log2(rate))) * 2 ** 31) >>> 0, 18);
  comm.writeUInt32BE(0, 22);
  const ssnd = Buffer.alloc(16);
  ssnd.write('SSND', 0);
  ssnd.writeUInt32BE(8 + data.length, 4);
  const body = Buffer.concat([Buffer.from('AIFF'), comm, ssnd, data]);
  const head = Buffer.alloc(8);
  head.write('FORM', 0);
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

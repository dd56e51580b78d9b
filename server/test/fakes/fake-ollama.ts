/**
 * A scripted Ollama server for tests: a real HTTP server on 127.0.0.1 (port 0 by default) speaking
 * Ollama's wire format, so everything between our proxy and the socket is exercised for real.
 *
 *   const ollama = await startFakeOllama({ models: ['llama3:latest', 'qwen2:7b'], reply: 'Hello there' });
 *   ollama.url                     // http://127.0.0.1:<port>
 *   ollama.script({ tokenDelayMs: 20 })   // change behaviour at any time (merged into the current script)
 *   ollama.requests                // every request received: { method, path, headers, body, aborted, finished }
 *   await ollama.waitForAbort()    // resolves once a client went away before its reply finished
 *   ollama.reset(); await ollama.close();
 *
 * Script fields (FakeOllamaScript):
 *   models        names (`name:tag`) returned by /api/tags and accepted by chat/generate/show/embed/...
 *   loaded        names reported by /api/ps (default: none)
 *   version       /api/version (default '0.6.8')
 *   reply         the text streamed by chat/generate and the OpenAI-compat routes, one word per chunk
 *   tokenDelayMs  pause before each streamed chunk (default 0)
 *   error         { status, message, path? }: answer matching paths with status + {"error": message}
 *   hang          RegExp (or true = every path): accept the request, never answer
 *   breakAfter    { chunks, path? }: on streaming replies, destroy the socket after that many chunks
 *   embeddingDim  length of embedding vectors (default 4); vectors are deterministic per input text
 *   noToolModels  models that answer a chat carrying `tools` with Ollama's 400 "does not support tools"
 *   turns         scripted /api/chat turns for tool loops: each request takes the next (a function gets the
 *                 request body); `toolCalls` answers with message.tool_calls (arguments as objects, the
 *                 way Ollama sends them); when empty, `reply` applies
 *   replyWhen     [{ prompt: RegExp, reply }]: the reply for requests whose messages/prompt match (task-model calls)
 * Unknown models get Ollama's 404 `{"error":"model \"x\" not found, try pulling it first"}`.
 *
 * Routes: GET/HEAD /, GET /api/tags, /api/ps, /api/version; POST /api/show, /api/chat, /api/generate,
 * /api/embed, /api/embeddings, /api/pull, /api/push, /api/create, /api/copy; DELETE /api/delete;
 * GET /v1/models; POST /v1/chat/completions (SSE when stream), /v1/completions.
 * From another process: server/test/fakes/fake-ollama-cli.ts.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOllamaScript {
  models: string[];
  loaded: string[];
  version: string;
  reply: string;
  tokenDelayMs: number;
  error: { status: number; message: string; path?: RegExp } | null;
  hang: RegExp | boolean;
  breakAfter: { chunks: number; path?: RegExp } | null;
  embeddingDim: number;
  turns: (FakeOllamaTurn | ((body: Record<string, unknown>) => FakeOllamaTurn))[];
  noToolModels: string[];
  replyWhen: Array<{ prompt: RegExp; reply: string }>;
}

export interface FakeOllamaTurn {
  reply?: string;
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** True when the client closed the connection before the reply was complete. */
  aborted: boolean;
  /** True once the whole reply was handed to the socket. */
  finished: boolean;
  /** Body bytes of the reply handed to the socket so far (streamed replies). */
  bytesSent: number;
}

export interface FakeOllama {
  url: string;
  port: number;
  requests: RecordedRequest[];
  script(patch: Partial<FakeOllamaScript>): void;
  current(): FakeOllamaScript;
  waitForAbort(timeoutMs?: number): Promise<RecordedRequest>;
  reset(): void;
  close(): Promise<void>;
}

const DEFAULTS: FakeOllamaScript = {
  models: ['llama3:latest'],
  loaded: [],
  version: '0.6.8',
  reply: 'Hello from the fake Ollama.',
  replyWhen: [],
  tokenDelayMs: 0,
  error: null,
  hang: false,
  breakAfter: null,
  embeddingDim: 4,
  turns: [],
  noToolModels: [],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const digestOf = (name: string) => createHash('sha256').update(name).digest('hex');
const tokens = (text: string) => text.match(/\S+\s*/g) ?? [];
const tagged = (name: string) => (name.includes(':') ? name : `${name}:latest`);

function modelEntry(name: string) {
  const family = name.split(':')[0]!.replace(/[^a-z]/gi, '') || 'llama';
  return {
    name,
    model: name,
    modified_at: '2024-06-01T12:00:00.000000000Z',
    size: 4_661_224_676,
    digest: digestOf(name),
    details: { parent_model: '', format: 'gguf', family, families: [family], parameter_size: '8.0B', quantization_level: 'Q4_0' },
  };
}

function vector(text: string, dim: number): number[] {
  const h = createHash('sha256').update(text).digest();
  return Array.from({ length: dim }, (_, i) => Math.round(((h[i % h.length]! / 255) * 2 - 1) * 1e4) / 1e4);
}

function counters(promptTokens: number, evalTokens: number) {
  return {
    total_duration: 1_234_567_890,
    load_duration: 12_345_678,
    prompt_eval_count: promptTokens,
    prompt_eval_duration: 45_678_901,
    eval_count: evalTokens,
    eval_duration: 987_654_321,
  };
}

export async function startFakeOllama(initial: Partial<FakeOllamaScript> = {}, port = 0): Promise<FakeOllama> {
  let s: FakeOllamaScript = { ...DEFAULTS, turns: [], ...initial };
  const requests: RecordedRequest[] = [];
  const abortWaiters: ((r: RecordedRequest) => void)[] = [];

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      /* keep raw */
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const rec: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, aborted: false, finished: false, bytesSent: 0 };
    requests.push(rec);
    res.on('finish', () => {
      rec.finished = true;
    });
    res.on('close', () => {
      if (!res.writableFinished) {
        rec.aborted = true;
        for (const w of abortWaiters.splice(0)) w(rec);
      }
    });
    try {
      await handle(rec, res);
    } catch (err) {
      if (!res.headersSent) json(res, 500, { error: String(err) });
      else res.destroy();
    }
  });

  function json(res: http.ServerResponse, status: number, data: unknown) {
    const text = JSON.stringify(data);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** Writes chunks one by one with the scripted delay and break point; false if the stream was cut. */
  async function stream(rec: RecordedRequest, res: http.ServerResponse, path: string, contentType: string, lines: string[]): Promise<boolean> {
    res.writeHead(200, { 'content-type': contentType, 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const cut = s.breakAfter && (!s.breakAfter.path || s.breakAfter.path.test(path)) ? s.breakAfter.chunks : Infinity;
    for (let i = 0; i < lines.length; i++) {
      if (res.destroyed) return false;
      if (i >= cut) {
        res.socket?.destroy();
        return false;
      }
      if (s.tokenDelayMs) await sleep(s.tokenDelayMs);
      if (res.destroyed) return false;
      // Wait until the chunk is handed to the socket so a scripted break really happens after it.
      await new Promise<void>((resolve) => res.write(lines[i], () => resolve()));
      rec.bytesSent += Buffer.byteLength(lines[i]!);
    }
    res.end();
    return true;
  }

  const notFound = (res: http.ServerResponse, name: string) => json(res, 404, { error: `model "${name}" not found, try pulling it first` });
  const has = (name: unknown) => typeof name === 'string' && s.models.includes(tagged(name));
  const nd = (o: unknown) => JSON.stringify(o) + '\n';
  const now = () => new Date().toISOString();

  async function handle(rec: RecordedRequest, res: http.ServerResponse): Promise<void> {
    const { method, path } = rec;
    const b = (rec.body && typeof rec.body === 'object' ? rec.body : {}) as Record<string, unknown>;
    if (s.hang === true || (s.hang instanceof RegExp && s.hang.test(path))) return;
    if (s.error && (!s.error.path || s.error.path.test(path))) return json(res, s.error.status, { error: s.error.message });

    const name = String(b.model ?? b.name ?? '');
    const asked = JSON.stringify(b.messages ?? b.prompt ?? '');
    const reply = s.replyWhen.find((w) => w.prompt.test(asked))?.reply ?? s.reply;
    const words = tokens(reply);
    const wantsStream = b.stream !== false;

    if (path === '/' && (method === 'GET' || method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end(method === 'HEAD' ? undefined : 'Ollama is running');
    }
    if (path === '/api/version') return json(res, 200, { version: s.version });
    if (path === '/api/tags') return json(res, 200, { models: s.models.map(modelEntry) });
    if (path === '/api/ps') {
      const expires = new Date(Date.now() + 300_000).toISOString();
      return json(res, 200, { models: s.loaded.map((n) => ({ ...modelEntry(n), expires_at: expires, size_vram: 1024 })) });
    }
    if (path === '/api/show' && method === 'POST') {
      if (!has(name)) return notFound(res, name);
      return json(res, 200, {
        modelfile: `FROM ${tagged(name)}\n`,
        parameters: 'stop "<|eot_id|>"',
        template: '{{ .Prompt }}',
        details: modelEntry(tagged(name)).details,
        model_info: { 'general.architecture': 'llama', 'llama.context_length': 8192 },
        capabilities: ['completion'],
      });
    }
    if (path === '/api/chat' && method === 'POST' && Array.isArray(b.tools) && s.noToolModels.includes(name)) {
      return json(res, 400, { error: `registry.ollama.ai/library/${name} does not support tools` });
    }
    if (path === '/api/chat' && method === 'POST' && s.turns.length && has(name)) {
      const next = s.turns.shift()!;
      const turn = typeof next === 'function' ? next(b) : next;
      const calls = turn.toolCalls?.map((t) => ({ function: { name: t.name, arguments: t.arguments } }));
      const text = turn.reply ?? (calls ? '' : s.reply);
      const message = { role: 'assistant', content: text, ...(calls ? { tool_calls: calls } : {}) };
      const final = { model: name, created_at: now(), message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', ...counters(12, 3) };
      if (!wantsStream) return json(res, 200, { ...final, message });
      await stream(rec, res, path, 'application/x-ndjson', [nd({ model: name, created_at: now(), message, done: false }), nd(final)]);
      return;
    }
    if ((path === '/api/chat' || path === '/api/generate') && method === 'POST') {
      if (!has(name)) return notFound(res, name);
      const chat = path === '/api/chat';
      const piece = (text: string) => (chat ? { message: { role: 'assistant', content: text } } : { response: text });
      const final = { model: name, created_at: now(), ...piece(''), done: true, done_reason: 'stop', ...counters(12, words.length), ...(chat ? {} : { context: [1, 2, 3] }) };
      if (!wantsStream) {
        if (s.tokenDelayMs) await sleep(s.tokenDelayMs * words.length);
        return json(res, 200, { ...final, ...piece(reply) });
      }
      const lines = words.map((w) => nd({ model: name, created_at: now(), ...piece(w), done: false }));
      await stream(rec, res, path, 'application/x-ndjson', [...lines, nd(final)]);
      return;
    }
    if (path === '/api/embed' && method === 'POST') {
      if (!has(name)) return notFound(res, name);
      const inputs = Array.isArray(b.input) ? b.input.map(String) : [String(b.input ?? '')];
      return json(res, 200, { model: name, embeddings: inputs.map((t) => vector(t, s.embeddingDim)), total_duration: 14_143_917, load_duration: 1_019_500, prompt_eval_count: inputs.length * 8 });
    }
    if (path === '/api/embeddings' && method === 'POST') {
      if (!has(name)) return notFound(res, name);
      return json(res, 200, { embedding: vector(String(b.prompt ?? ''), s.embeddingDim) });
    }
    if ((path === '/api/pull' || path === '/api/push' || path === '/api/create') && method === 'POST') {
      if (path === '/api/push' && !has(name)) return notFound(res, name);
      const steps =
        path === '/api/pull'
          ? [{ status: 'pulling manifest' }, { status: `pulling ${digestOf(name).slice(0, 12)}`, digest: `sha256:${digestOf(name)}`, total: 1000, completed: 500 }, { status: `pulling ${digestOf(name).slice(0, 12)}`, digest: `sha256:${digestOf(name)}`, total: 1000, completed: 1000 }, { status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'success' }]
          : path === '/api/push'
            ? [{ status: 'retrieving manifest' }, { status: 'starting upload', digest: `sha256:${digestOf(name)}`, total: 1000 }, { status: 'pushing manifest' }, { status: 'success' }]
            : [{ status: 'reading model metadata' }, { status: 'creating system layer' }, { status: 'writing manifest' }, { status: 'success' }];
      if (path !== '/api/push' && name && !has(name)) s.models = [...s.models, tagged(name)];
      if (!wantsStream) return json(res, 200, { status: 'success' });
      await stream(rec, res, path, 'application/x-ndjson', steps.map(nd));
      return;
    }
    if (path === '/api/copy' && method === 'POST') {
      if (!has(b.source)) return notFound(res, String(b.source));
      s.models = [...s.models, tagged(String(b.destination))];
      res.writeHead(200, { 'content-length': 0 });
      return void res.end();
    }
    if (path === '/api/delete' && method === 'DELETE') {
      if (!has(name)) return notFound(res, name);
      s.models = s.models.filter((m) => m !== tagged(name));
      res.writeHead(200, { 'content-length': 0 });
      return void res.end();
    }
    if (path === '/v1/models') {
      return json(res, 200, { object: 'list', data: s.models.map((m) => ({ id: m, object: 'model', created: 1717243200, owned_by: 'library' })) });
    }
    if ((path === '/v1/chat/completions' || path === '/v1/completions') && method === 'POST') {
      if (!has(name)) return json(res, 404, { error: { message: `model "${name}" not found, try pulling it first`, type: 'api_error', param: null, code: null } });
      const chat = path === '/v1/chat/completions';
      const id = chat ? 'chatcmpl-123' : 'cmpl-123';
      const usage = { prompt_tokens: 12, completion_tokens: words.length, total_tokens: 12 + words.length };
      if (b.stream !== true) {
        const choice = chat ? { index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' } : { index: 0, text: reply, finish_reason: 'stop' };
        return json(res, 200, { id, object: chat ? 'chat.completion' : 'text_completion', created: 1717243200, model: name, system_fingerprint: 'fp_ollama', choices: [choice], usage });
      }
      const object = chat ? 'chat.completion.chunk' : 'text_completion';
      const ev = (choice: unknown) => `data: ${JSON.stringify({ id, object, created: 1717243200, model: name, system_fingerprint: 'fp_ollama', choices: [choice] })}\n\n`;
      const lines = words.map((w) => ev(chat ? { index: 0, delta: { role: 'assistant', content: w }, finish_reason: null } : { index: 0, text: w, finish_reason: null }));
      lines.push(ev(chat ? { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: 'stop' } : { index: 0, text: '', finish_reason: 'stop' }), 'data: [DONE]\n\n');
      await stream(rec, res, path, 'text/event-stream', lines);
      return;
    }
    json(res, 404, { error: '404 page not found' });
  }

  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const actualPort = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests,
    script(patch) {
      s = { ...s, ...patch };
    },
    current: () => s,
    waitForAbort(timeoutMs = 5000) {
      const done = requests.find((r) => r.aborted);
      if (done) return Promise.resolve(done);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no client abort seen by the fake Ollama')), timeoutMs);
        abortWaiters.push((r) => {
          clearTimeout(t);
          resolve(r);
        });
      });
    },
    reset() {
      s = { ...DEFAULTS, turns: [], ...initial };
      requests.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted OpenAI-compatible server on 127.0.0.1:<random port>, speaking the real wire format:
 * `GET /v1/models`, `POST /v1/chat/completions` (JSON or SSE, `stream_options.include_usage`, tool
 * calls), `POST /v1/embeddings` (float or base64), `POST /v1/audio/speech`, and Azure's
 * `/openai/deployments/<model>/chat/completions?api-version=` and `/openai/models`. Errors use OpenAI's
 * `{"error":{"message","type","code"}}`. Every request is recorded; behaviour is scripted per test.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown> | null;
  rawBody: string;
}

export interface ScriptedError {
  status: number;
  message: string;
  type?: string;
  code?: string | null;
  /** Send this exact body instead of OpenAI's error JSON. */
  raw?: string;
}

export interface FakeOpenAIOptions {
  models?: string[];
  /** When set, requests must carry `Authorization: Bearer <key>` (or Azure's `api-key`). */
  apiKey?: string;
}

export interface FakeTurn {
  reply?: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
}

export interface FakeOpenAI {
  /** Base URL as configured in OPENAI_API_BASE_URLS, e.g. http://127.0.0.1:1234/v1 */
  url: string;
  origin: string;
  requests: RecordedRequest[];
  models: string[];
  /** The assistant text; streamed word by word. */
  reply: string;
  /** When set, the assistant answers with these tool calls instead of text. */
  toolCalls: { id: string; name: string; arguments: string }[] | null;
  /**
   * Scripted turns for multi-round conversations (tool loops): each chat request takes the next one
   * (a function gets the request body, e.g. to answer with the tool result it was sent); when empty,
   * `reply` / `toolCalls` apply. Streamed tool calls arrive as OpenAI sends them: id and name first,
   * the arguments in fragments.
   */
  turns: (FakeTurn | ((body: Record<string, unknown>) => FakeTurn))[];
  /** Milliseconds to wait before answering any request. */
  delayMs: number;
  /** Never answer (the connection stays open until the client gives up). */
  hang: boolean;
  /** Destroy the socket after this many SSE chunks. */
  breakStreamAfter: number | null;
  /** Pause between SSE chunks (ms). */
  chunkDelayMs: number;
  /** The next request (any path) fails with this error. */
  failNext: ScriptedError | null;
  /** How many chat streams were closed by the client before they finished. */
  abortedStreams: number;
  close(): Promise<void>;
}

const CREATED = 1_715_000_000;

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function openaiError(res: http.ServerResponse, e: ScriptedError) {
  if (e.raw !== undefined) {
    res.writeHead(e.status, { 'content-type': 'text/plain' });
    res.end(e.raw);
    return;
  }
  sendJson(res, e.status, { error: { message: e.message, type: e.type ?? 'invalid_request_error', param: null, code: e.code ?? null } });
}

function vectorFor(text: string): number[] {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return [((h % 1000) / 1000) as number, text.length / 100, 0.5, -0.25];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeOpenAI = {
    url: '',
    origin: '',
    requests: [],
    models: options.models ?? ['gpt-4o-mini', 'text-embedding-3-small'],
    reply: 'Hello from the fake OpenAI server.',
    toolCalls: null,
    turns: [],
    delayMs: 0,
    hang: false,
    breakStreamAfter: null,
    chunkDelayMs: 0,
    failNext: null,
    abortedStreams: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const usage = (prompt: string) => {
    const p = Math.max(1, prompt.split(/\s+/).filter(Boolean).length);
    const c = fake.reply.split(' ').length;
    return { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
  };

  async function chat(req: RecordedRequest, res: http.ServerResponse, model: string) {
    const body = req.body ?? {};
    if (!fake.models.includes(model)) {
      return openaiError(res, { status: 404, message: `The model \`${model}\` does not exist or you do not have access to it.`, code: 'model_not_found' });
    }
    const messages = Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
    const promptText = messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join(' ');
    const id = `chatcmpl-fake${fake.requests.length}`;
    const base = { id, created: CREATED, model, system_fingerprint: 'fp_fake' };
    const next = fake.turns.shift();
    const turn = typeof next === 'function' ? next(body) : next;
    const tools = turn ? (turn.toolCalls ?? null) : fake.toolCalls;
    const replyText = turn?.reply ?? fake.reply;
    if (body.stream !== true) {
      const message = tools
        ? { role: 'assistant', content: null, tool_calls: tools.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } })) }
        : { role: 'assistant', content: replyText, refusal: null };
      return sendJson(res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message, logprobs: null, finish_reason: tools ? 'tool_calls' : 'stop' }],
        usage: usage(promptText),
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    let aborted = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        aborted = true;
        fake.abortedStreams += 1;
      }
    });
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    const events: unknown[] = [chunk({ role: 'assistant', content: '' }, null)];
    if (tools && turn) {
      tools.forEach((t, index) => {
        const cut = Math.floor(t.arguments.length / 2);
        events.push(chunk({ tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: '' } }] }, null));
        events.push(chunk({ tool_calls: [{ index, function: { arguments: t.arguments.slice(0, cut) } }] }, null));
        events.push(chunk({ tool_calls: [{ index, function: { arguments: t.arguments.slice(cut) } }] }, null));
      });
    } else if (tools) {
      tools.forEach((t, index) =>
        events.push(chunk({ tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }] }, null)),
      );
    } else {
      const words = replyText.split(' ');
      words.forEach((w, i) => events.push(chunk({ content: i < words.length - 1 ? `${w} ` : w }, null)));
    }
    events.push(chunk({}, tools ? 'tool_calls' : 'stop'));
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (includeUsage) events.push({ ...base, object: 'chat.completion.chunk', choices: [], usage: usage(promptText) });
    let sent = 0;
    for (const e of events) {
      if (aborted) return;
      if (fake.breakStreamAfter !== null && sent >= fake.breakStreamAfter) {
        res.socket?.destroy();
        return;
      }
      // Wait for the bytes to leave, so a scripted break really happens mid-stream.
      await new Promise<void>((r) => res.write(`data: ${JSON.stringify(e)}\n\n`, () => r()));
      sent += 1;
      if (fake.chunkDelayMs) await sleep(fake.chunkDelayMs);
    }
    res.end('data: [DONE]\n\n');
  }

  function embeddings(req: RecordedRequest, res: http.ServerResponse) {
    const body = req.body ?? {};
    const model = String(body.model ?? '');
    if (!fake.models.includes(model)) return openaiError(res, { status: 404, message: `The model \`${model}\` does not exist`, code: 'model_not_found' });
    const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    const data = inputs.map((text, index) => {
      const v = vectorFor(text);
      if (body.encoding_format === 'base64') {
        const buf = Buffer.alloc(v.length * 4);
        v.forEach((x, i) => buf.writeFloatLE(x, i * 4));
        return { object: 'embedding', index, embedding: buf.toString('base64') };
      }
      return { object: 'embedding', index, embedding: v };
    });
    sendJson(res, 200, { object: 'list', data, model, usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | null = null;
    try {
      body = rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : null;
    } catch {
      body = null;
    }
    const u = new URL(req.url ?? '/', 'http://x');
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body, rawBody };
    fake.requests.push(rec);

    if (fake.hang) return; // leave the client waiting
    if (fake.delayMs) await sleep(fake.delayMs);
    if (fake.failNext) {
      const e = fake.failNext;
      fake.failNext = null;
      return openaiError(res, e);
    }
    if (options.apiKey) {
      const bearer = req.headers.authorization === `Bearer ${options.apiKey}`;
      const azure = req.headers['api-key'] === options.apiKey;
      if (!bearer && !azure) {
        return openaiError(res, { status: 401, message: 'Incorrect API key provided.', code: 'invalid_api_key' });
      }
    }

    const p = u.pathname;
    if (req.method === 'GET' && (p === '/v1/models' || p === '/openai/models')) {
      return sendJson(res, 200, { object: 'list', data: fake.models.map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'fake-org' })) });
    }
    if (req.method === 'POST' && p === '/v1/chat/completions') return chat(rec, res, String(body?.model ?? ''));
    const azure = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(p);
    if (req.method === 'POST' && azure) return chat(rec, res, decodeURIComponent(azure[1]!));
    if (req.method === 'POST' && p === '/v1/embeddings') return embeddings(rec, res);
    if (req.method === 'POST' && p === '/v1/audio/speech') {
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      return res.end(Buffer.from(`ID3fake-audio:${String(body?.input ?? '')}`));
    }
    openaiError(res, { status: 404, message: `Unknown request URL: ${req.method} ${p}`, code: 'unknown_url' });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(err), type: 'server_error', code: null } });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  fake.origin = `http://127.0.0.1:${port}`;
  fake.url = `${fake.origin}/v1`;
  return fake;
}

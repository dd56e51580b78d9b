#!/usr/bin/env node
// A deliberately cheap LLM upstream for benchmarks, run in its own process so its CPU time is never
// counted as ours. It speaks both wires on one port:
//   Ollama:  GET /api/tags, /api/version, /api/ps; POST /api/chat (NDJSON stream or one JSON object)
//   OpenAI:  GET /v1/models; POST /v1/chat/completions (SSE stream or one JSON object)
// The reply shape is set for the whole process by POST /_bench/config {chunks, delayMs, token, stamp}:
//   chunks   content pieces per reply; delayMs pause between pieces (0 = as fast as the socket drains);
//   token    the text of each piece; stamp  prefix each piece with "@<epoch ms>@" so a client can
//            measure how long a piece took to reach it (same machine, same clock);
//   yieldEvery  without a pause, give the event loop back after this many pieces (1 = every piece
//            leaves in its own write, as from a real model; larger = pieces coalesce in the socket).
// GET|POST /_bench/blob is a bare-Node floor for big bodies (see the handler).
// Prints "listening <port>" on stdout once ready. Usage: node fake-upstream.mjs [port]
import http from 'node:http';

const OLLAMA_MODEL = 'bench-llama:latest';
const OPENAI_MODEL = 'bench-gpt';
let cfg = { chunks: 20, delayMs: 0, token: 'tok ', stamp: false, yieldEvery: 64 };

let blob = Buffer.alloc(0);
const now = () => performance.timeOrigin + performance.now();
const piece = () => (cfg.stamp ? `@${now().toFixed(3)}@${cfg.token}` : cfg.token);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req) {
  const parts = [];
  for await (const c of req) parts.push(c);
  const raw = Buffer.concat(parts).toString('utf8');
  return raw ? JSON.parse(raw) : {};
}

/** Writes `n` pieces produced by `make(i)`, honouring backpressure and the configured pause. */
async function pump(res, n, make) {
  let closed = false;
  res.on('close', () => (closed = true));
  for (let i = 0; i < n && !closed; i++) {
    if (cfg.delayMs > 0) await sleep(cfg.delayMs);
    if (!res.write(make(i))) await new Promise((r) => res.once('drain', r).once('close', r));
    // Without a pause, still hand the loop back now and then so pieces leave as a stream.
    else if (cfg.delayMs === 0 && i % cfg.yieldEvery === cfg.yieldEvery - 1) await new Promise((r) => setImmediate(r));
  }
  return !closed;
}

const tags = {
  models: [
    {
      name: OLLAMA_MODEL,
      model: OLLAMA_MODEL,
      modified_at: '2025-01-01T00:00:00Z',
      size: 1000,
      digest: 'b'.repeat(64),
      details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '1B', quantization_level: 'Q4_0' },
    },
  ],
};

async function ollamaChat(req, res) {
  const body = await readJson(req);
  const model = body.model ?? OLLAMA_MODEL;
  const created = new Date().toISOString();
  const final = {
    model,
    created_at: created,
    message: { role: 'assistant', content: '' },
    done: true,
    done_reason: 'stop',
    total_duration: 1000000,
    load_duration: 1000,
    prompt_eval_count: 5,
    prompt_eval_duration: 1000,
    eval_count: cfg.chunks,
    eval_duration: 100000,
  };
  if (body.stream === false) {
    let content = '';
    for (let i = 0; i < cfg.chunks; i++) content += piece();
    return json(res, 200, { ...final, message: { role: 'assistant', content } });
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const head = `{"model":${JSON.stringify(model)},"created_at":"${created}","message":{"role":"assistant","content":`;
  if (await pump(res, cfg.chunks, () => `${head}${JSON.stringify(piece())}},"done":false}\n`)) res.end(JSON.stringify(final) + '\n');
}

async function openaiChat(req, res) {
  const body = await readJson(req);
  const model = body.model ?? OPENAI_MODEL;
  const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: 5, completion_tokens: cfg.chunks, total_tokens: cfg.chunks + 5 };
  if (!body.stream) {
    let content = '';
    for (let i = 0; i < cfg.chunks; i++) content += piece();
    return json(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage,
    });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":[{"index":0,"delta":{"content":`;
  const ok = await pump(res, cfg.chunks, () => `${head}${JSON.stringify(piece())}},"finish_reason":null}]}\n\n`);
  if (!ok) return;
  const last = { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage };
  res.end(`data: ${JSON.stringify(last)}\n\ndata: [DONE]\n\n`);
}

const server = http.createServer(async (req, res) => {
  try {
    const url = req.url.split('?')[0];
    if (req.method === 'POST' && url === '/api/chat') return await ollamaChat(req, res);
    if (req.method === 'POST' && url === '/v1/chat/completions') return await openaiChat(req, res);
    if (url === '/api/tags') return json(res, 200, tags);
    if (url === '/api/ps') return json(res, 200, { models: [] });
    if (url === '/api/version') return json(res, 200, { version: '0.12.0' });
    if (url === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: OPENAI_MODEL, object: 'model', created: 1700000000, owned_by: 'bench' }] });
    if (req.method === 'POST' && url === '/_bench/config') {
      cfg = { ...cfg, ...(await readJson(req)) };
      return json(res, 200, cfg);
    }
    // A bare-Node floor for big bodies: POST stores a body and echoes it, GET returns the stored one.
    if (url === '/_bench/blob') {
      if (req.method === 'POST') {
        const parts = [];
        for await (const c of req) parts.push(c);
        blob = Buffer.concat(parts);
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': blob.length });
      return res.end(blob);
    }
    if (url === '/_bench/usage') return json(res, 200, { cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
    json(res, 404, { error: 'not found' });
  } catch (err) {
    if (!res.headersSent) json(res, 500, { error: String(err) });
    else res.destroy();
  }
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.requestTimeout = 0;
server.maxConnections = 100_000;
server.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));

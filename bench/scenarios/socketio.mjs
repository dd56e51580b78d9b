// 8. The Socket.IO chat path of the web UI: `POST /api/chat/completions` with `session_id` + `chat_id` +
// `id` answers `{status, task_id}` at once and the reply arrives as `events` (and the legacy
// `chat-events` copy) on the user's sockets, each `chat:completion` carrying the whole text so far,
// while a background task stores the growing message every 500 ms and at the end.
//
// Part 1, CPU: one signed-in socket, replies paced 1 ms a chunk (as in the streaming scenario), server
// CPU per 1,000 delivered chunks with the fixed cost of a 1-chunk reply taken off, beside the same
// replies over HTTP/SSE (the streaming scenario's translated Ollama -> SSE figure) on the same server.
// Part 2, latency: 100 and 1,000 users, each with its own socket and chat, all streaming at once (a
// stamped token every 100 ms): request to first token and per-token delay, against the same streams
// read straight from the fake upstream; then every reply's stored message is read back.
import { Pool } from 'undici';
import { session } from '../lib/fixtures.mjs';
import { readStream } from '../lib/load.mjs';
import { addSqliteUsers, connectMany, connectSocket, newChat, socketReply, storedMessage } from '../lib/realtime.mjs';
import { procStats, sleep, startServer, startUpstream, tempDataDir } from '../lib/procs.mjs';
import { percentile, round } from '../lib/stats.mjs';
import { wave } from './concurrency.mjs';

const MODEL = 'bench-llama:latest';
const BODY = { model: MODEL, messages: [{ role: 'user', content: 'Write a very long story.' }] };
const PACE_MS = 1;
const STAMP = /@(\d+\.\d+)@/g;

const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs `n` jobs, `parallel` at a time. */
async function pooled(n, parallel, job) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, parallel) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await job(i);
    }
  }));
  return out;
}

/** Part 1: server CPU per 1,000 chunks, SSE vs socket (original-UI handshake) vs socket (events only). */
async function cpuPerChunk({ srv, upstream, dataDir, opts }) {
  const pool = new Pool(srv.url, { connections: 2, bodyTimeout: 0 });
  // Two users, so that each reply is delivered to exactly one socket (emits go to every socket of the user).
  const [u1, u2] = addSqliteUsers(dataDir, 2);
  const orig = await connectSocket(srv.url, u1.token);
  const ours = await connectSocket(srv.url, u2.token, { eventsOnly: true });
  const sizes = opts.quick ? [500] : [500, 5000];
  const totalChunks = opts.quick ? 2000 : 5000;
  const warm = opts.quick ? 5 : 10;
  const fixedN = opts.quick ? 40 : 100;
  const modes = [
    { name: 'HTTP/SSE (/api/chat/completions, stream)', kind: 'sse', user: u1 },
    { name: 'socket, original UI handshake (events + chat-events)', kind: 'socket', sock: orig, user: u1 },
    { name: 'socket, events only (our web client)', kind: 'socket', sock: ours, user: u2 },
  ];
  const stored = { checked: 0, complete: 0, firstBad: undefined };
  const one = async (m, size, chatId) => {
    if (m.kind === 'sse') {
      const r = await readStream(pool, { path: '/api/chat/completions', headers: m.user.headers, body: { ...BODY, stream: true } });
      if (r.status !== 200) throw new Error(`SSE reply: ${r.status}`);
      return;
    }
    const r = await socketReply({ origin: srv.url, dispatcher: pool, headers: m.user.headers, sock: m.sock, chatId, body: BODY });
    if (r.error || r.contentEvents !== size) throw new Error(`socket reply: ${r.contentEvents}/${size} content events, error ${JSON.stringify(r.error)}`);
    return r;
  };
  const check = async (m, chatId, r, size) => {
    const msg = await storedMessage(srv.url, m.user.headers, chatId, r.messageId, pool);
    stored.checked++;
    if (msg?.done === true && msg.content === r.content && r.content === 'tok '.repeat(size)) stored.complete++;
    else stored.firstBad ??= `stored ${msg?.content?.length} chars done=${msg?.done}, expected ${size * 4}`;
  };
  // The chats (one per reply, as each UI question is) are made before the CPU window; the stored
  // check reads them back after it.
  const chatsFor = (m, k) => (m.kind === 'socket' ? pooled(k, 4, () => newChat(srv.url, m.user.headers, pool)) : Array(k).fill(null));
  const cpu = async (m, replies, size, checkStored = false) => {
    const chats = await chatsFor(m, replies);
    const done = [];
    const before = srv.stats().cpuMs;
    const upBefore = procStats(upstream.pid).cpuMs;
    const t0 = performance.now();
    for (let i = 0; i < replies; i++) done.push(await one(m, size, chats[i]));
    await sleep(50); // the task's tail after its `done` event (chat:active false, journal, registry)
    const out = { server: (srv.stats().cpuMs - before) / replies, upstream: (procStats(upstream.pid).cpuMs - upBefore) / replies, seconds: (performance.now() - t0) / 1000 };
    if (checkStored) for (let i = 0; i < replies; i++) await check(m, chats[i], done[i], size);
    return out;
  };
  const results = [];
  try {
    await upstream.configure({ chunks: 500, delayMs: 0, token: 'tok ', stamp: false, yieldEvery: 1 });
    for (const m of modes) {
      const chats = await chatsFor(m, warm);
      for (let i = 0; i < warm; i++) await one(m, 500, chats[i]);
    }
    await upstream.configure({ chunks: 1 });
    const fixed = new Map();
    for (const m of modes) fixed.set(m, await cpu(m, fixedN, 1));
    for (const size of sizes) {
      await upstream.configure({ chunks: size, delayMs: PACE_MS });
      const replies = Math.max(1, Math.round(totalChunks / size));
      // Modes one after the other per size, so load drift hits each about alike.
      for (const m of modes) {
        const r = await cpu(m, replies, size, m.kind === 'socket');
        const f = fixed.get(m);
        results.push({ mode: m.name, kind: m.kind, size, replies, fixed: f, perReply: r, serverPerK: ((r.server - f.server) / size) * 1000, upstreamPerK: ((r.upstream - f.upstream) / size) * 1000 });
      }
    }
    return { results, stored, legacyCopies: { original: orig.chatEvents, eventsOnly: ours.chatEvents } };
  } finally {
    orig.close();
    ours.close();
    await pool.close();
  }
}

/** Part 2: `n` users, one socket and one chat each, all replies streaming at once. */
async function crowd({ srv, upstream, dataDir, n, durationS, eventsOnly = false, delayMs = 100, direct: knownDirect }) {
  const chunks = Math.round((durationS * 1000) / delayMs);
  const rampMs = Math.max(1000, n * 5);
  const users = addSqliteUsers(dataDir, n);
  const pool = new Pool(srv.url, { connections: 64, keepAliveTimeout: 120_000, bodyTimeout: 0 });
  const chats = await pooled(n, 32, (i) => newChat(srv.url, users[i].headers, pool));
  const socks = await connectMany(srv.url, users.map((u) => u.token), { eventsOnly });
  try {
    await upstream.configure({ chunks, delayMs, token: 'tok ', stamp: true, yieldEvery: 1 });
    const direct = knownDirect ?? await wave({ origin: upstream.url, path: '/api/chat', headers: {}, body: { ...BODY, stream: true }, streams: n, chunks, rampMs, isDone: (t) => t.includes('"done":true') });

    const delays = [];
    const steady = [];
    const ttft = [];
    const steadyFrom = performance.timeOrigin + performance.now() + rampMs + 1000;
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, srv.stats().rssMb)), 500);
    const before = { srv: srv.stats().cpuMs, up: procStats(upstream.pid).cpuMs, me: ownCpuMs() };
    const t0 = performance.now();
    let failed = 0;
    let firstError;
    const replies = await Promise.all(users.map(async (u, i) => {
      await sleep((i * rampMs) / n);
      let seen = 0;
      try {
        const r = await socketReply({
          origin: srv.url, dispatcher: pool, headers: u.headers, sock: socks[i], chatId: chats[i], body: BODY, timeoutMs: durationS * 1000 + 60_000,
          onContent: (content, now) => {
            // Each event carries the whole text so far: only the new part holds new stamps.
            for (const m of content.slice(seen).matchAll(STAMP)) {
              const sent = Number(m[1]);
              delays.push(now - sent);
              if (sent >= steadyFrom) steady.push(now - sent);
            }
            seen = content.length;
          },
        });
        ttft.push(r.ttftMs);
        return r;
      } catch (err) {
        failed++;
        firstError ??= String(err.message ?? err);
        return null;
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const cores = (ms) => round(ms / 1000 / seconds, 2);
    const serverMs = srv.stats().cpuMs - before.srv;
    const load = { server: cores(serverMs), upstream: cores(procStats(upstream.pid).cpuMs - before.up), client: cores(ownCpuMs() - before.me) };
    const tokensOk = replies.filter((r) => r && !r.error && [...r.content.matchAll(STAMP)].length === chunks).length;
    // What a reload would show: the stored message of every reply.
    const checks = await pooled(n, 32, async (i) => {
      const r = replies[i];
      if (!r) return false;
      const msg = await storedMessage(srv.url, users[i].headers, chats[i], r.messageId, pool);
      return msg?.done === true && msg.content === r.content && [...msg.content.matchAll(STAMP)].length === chunks;
    });
    return {
      n, eventsOnly, chunks, delayMs, rampMs, seconds, serverCpuPerK: (serverMs * 1000) / Math.max(1, delays.length), failed, firstError, tokensOk, storedOk: checks.filter(Boolean).length, load, peakRss,
      direct: { ttftP50: direct.ttftP50, ttftP99: direct.ttftP99, steadyP50: direct.steadyP50, steadyP99: direct.steadyP99, complete: direct.complete },
      through: {
        ttftP50: percentile(ttft, 50), ttftP99: percentile(ttft, 99),
        p99: percentile(delays, 99), steadyP50: percentile(steady, 50), steadyP99: percentile(steady, 99), steadyMax: percentile(steady, 100), tokens: delays.length, steadyTokens: steady.length,
      },
      legacyCopies: socks.reduce((a, so) => a + so.chatEvents, 0),
    };
  } finally {
    for (const so of socks) so.close();
    await pool.close();
  }
}

export async function run(opts) {
  const upstream = await startUpstream();
  const dataDir = tempDataDir('socketio');
  const srv = await startServer({ dataDir, upstreamUrl: upstream.url, env: { BYPASS_MODEL_ACCESS_CONTROL: 'true' } });
  const rows = [];
  try {
    await session(srv.url); // the first account is the admin; the bench's users are plain users
    const part1 = await cpuPerChunk({ srv, upstream, dataDir, opts });
    const sse = new Map(part1.results.filter((r) => r.kind === 'sse').map((r) => [r.size, r]));
    for (const r of part1.results) {
      const base = sse.get(r.size);
      rows.push({
        metric: `${r.mode}: CPU per 1,000 chunks, ${r.size}-chunk replies`,
        value: round(r.serverPerK, 1),
        unit: 'ms',
        direct: round(r.upstreamPerK, 1),
        ratio: r.kind === 'sse' ? `${(r.serverPerK / r.upstreamPerK).toFixed(2)}x upstream` : `${(r.serverPerK / base.serverPerK).toFixed(2)}x SSE`,
        note: `${r.replies} x ${r.size} chunks in ${r.perReply.seconds.toFixed(1)} s; fixed ${r.fixed.server.toFixed(2)} ms per reply`,
      });
    }
    rows.push({
      metric: 'socket replies stored complete (part 1)',
      value: part1.stored.complete,
      unit: '',
      direct: part1.stored.checked,
      ratio: '',
      target: `${part1.stored.checked}`,
      ok: part1.stored.complete === part1.stored.checked,
      note: part1.stored.firstBad ?? `legacy chat-events copies received: original handshake ${part1.legacyCopies.original}, events-only ${part1.legacyCopies.eventsOnly}`,
    });
    const crowds = [];
    const durationS = opts.quick ? 10 : 15;
    // The original UI's handshake at 100 and 1,000 sockets, then 1,000 of our web client's (events only;
    // the direct streams of the previous pass stand for its baseline); then the original handshake at a
    // fifth of the token rate, to tell CPU saturation of the one event loop from the number of sockets.
    const passes = [{ n: 100 }, { n: 1000 }, { n: 1000, eventsOnly: true }, ...(opts.quick ? [] : [{ n: 1000, delayMs: 500 }])];
    for (const p of passes) {
      const c = await crowd({ srv, upstream, dataDir, durationS, ...p, direct: p.eventsOnly ? crowds.at(-1)?.direct : undefined });
      crowds.push(c);
      const n = p.n;
      const label = `${n} sockets${p.eventsOnly ? ' (events-only handshake)' : ''}${p.delayMs ? ` (a token every ${p.delayMs} ms)` : ''}`;
      const added = c.through.steadyP99 - c.direct.steadyP99;
      rows.push({
        metric: `${label} x ${durationS} s, a token every ${c.delayMs} ms: replies complete, stored complete`,
        value: `${c.tokensOk} / ${c.storedOk}`,
        unit: '',
        direct: c.direct.complete,
        ratio: '',
        target: `${n} / ${n}`,
        ok: c.tokensOk === n && c.storedOk === n,
        note: c.failed ? `${c.failed} failed: ${c.firstError}` : `${c.through.tokens} tokens in ${c.seconds.toFixed(1)} s; cores used: server ${c.load.server}, upstream ${c.load.upstream}, bench clients ${c.load.client}; peak RSS ${round(c.peakRss, 1)} MB`,
      });
      rows.push({ metric: `${label}: server CPU per 1,000 delivered chunks`, value: round(c.serverCpuPerK, 1), unit: 'ms', note: `incl. the 500 ms saves of ${n} growing replies; legacy chat-events copies ${c.legacyCopies}` });
      rows.push({
        metric: `${label}: request to first token p50 / p99`,
        value: `${round(c.through.ttftP50, 1)} / ${round(c.through.ttftP99, 1)}`,
        unit: 'ms',
        direct: `${round(c.direct.ttftP50, 1)} / ${round(c.direct.ttftP99, 1)}`,
        ratio: '',
        note: `added p50 ${round(c.through.ttftP50 - c.direct.ttftP50, 1)} ms (the upstream waits ${c.delayMs} ms before its first token)`,
      });
      rows.push({
        metric: `${label}: added per-token delay p99, all streams open`,
        value: round(added, 2),
        unit: 'ms',
        direct: round(c.direct.steadyP99, 2),
        ratio: '',
        target: '< 5 ms',
        ok: added < 5,
        note: `socket p50 ${round(c.through.steadyP50, 2)} / p99 ${round(c.through.steadyP99, 2)} / max ${round(c.through.steadyMax, 1)} ms; direct p50 ${round(c.direct.steadyP50, 2)}; whole-run p99 ${round(c.through.p99, 2)}`,
      });
    }
    return { rows, data: { part1, crowds } };
  } finally {
    await srv.stop();
    await upstream.stop();
  }
}

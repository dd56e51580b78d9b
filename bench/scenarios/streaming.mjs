// 3. Streaming cost: CPU time of the server process per 1,000 streamed chunks, for short and very long
// replies, passed through raw and translated (Ollama NDJSON -> OpenAI SSE). The fake upstream's own CPU
// for the same chunks is the direct baseline.
//
// Chunks are paced 1 ms apart, as from a (very fast) model, so each arrives on its own and costs what a
// real token costs; unpaced, the socket coalesces a random number of chunks per read and the per-chunk
// figure swings by +-50 % between runs. A 50,000-chunk reply then lasts about a minute, so every
// (route, reply length) pair runs at the same time on its own server + upstream pair: each process's CPU
// clock (/proc) still counts only its own work, and the machine stays mostly idle.
// The cost of a 1-chunk reply (auth, routing, the upstream request) is measured first on each server and
// taken off, so "per 1,000 chunks" is the cost of the chunks alone.
// The Node floor (`lib/node-floor.mjs`, a bare relay with no auth or parsing) streams the raw Ollama
// reply in the same run, at one reply length: what the raw target asks of any relay written for Node.
import { Pool, request } from 'undici';
import { session } from '../lib/fixtures.mjs';
import { readStream } from '../lib/load.mjs';
import { startNodeFloor } from '../lib/peers.mjs';
import { startServer, startUpstream, tempDataDir } from '../lib/procs.mjs';
import { round } from '../lib/stats.mjs';

const MESSAGES = [{ role: 'user', content: 'Write a very long story.' }];
const PACE_MS = 1;

const CASES = [
  { name: 'raw Ollama NDJSON (/ollama/api/chat)', path: '/ollama/api/chat', body: { model: 'bench-llama:latest', messages: MESSAGES, stream: true } },
  { name: 'raw OpenAI SSE (/openai/chat/completions)', path: '/openai/chat/completions', body: { model: 'bench-gpt', messages: MESSAGES, stream: true } },
  { name: 'translated Ollama->SSE (/api/chat/completions)', translated: true, path: '/api/chat/completions', body: { model: 'bench-llama:latest', messages: MESSAGES, stream: true } },
  { name: 'Node floor, raw Ollama NDJSON (bare node:http + undici relay)', floor: true, sizes: [5000], path: '/ollama/api/chat', body: { model: 'bench-llama:latest', messages: MESSAGES, stream: true } },
];

async function upstreamCpuMs(url) {
  const r = await request(`${url}/_bench/usage`);
  const u = await r.body.json();
  return (u.cpu.user + u.cpu.system) / 1000;
}

/** One route at one reply length, on a server + upstream pair of its own. */
async function measure(c, size, totalChunks) {
  const upstream = await startUpstream();
  const srv = c.floor ? await startNodeFloor(upstream.url) : await startServer({ dataDir: tempDataDir('streaming'), upstreamUrl: upstream.url });
  const srvCpuMs = c.floor ? () => srv.cpuMs() : () => srv.stats().cpuMs;
  const pool = new Pool(srv.url, { connections: 1, bodyTimeout: 0 });
  try {
    const headers = c.floor ? {} : (await session(srv.url)).headers;
    const one = async () => {
      const r = await readStream(pool, { path: c.path, headers, body: c.body });
      if (r.status !== 200) throw new Error(`${c.name}: status ${r.status}`);
    };
    const cpu = async (replies) => {
      const before = srvCpuMs();
      const upBefore = await upstreamCpuMs(upstream.url);
      for (let i = 0; i < replies; i++) await one();
      return { server: (srvCpuMs() - before) / replies, upstream: ((await upstreamCpuMs(upstream.url)) - upBefore) / replies };
    };
    // Warm-up (JIT) with unpaced replies, then the fixed cost of a reply, then the paced measurement.
    await upstream.configure({ chunks: 500, delayMs: 0, token: 'tok ', stamp: false, yieldEvery: 1 });
    for (let i = 0; i < 20; i++) await one();
    await upstream.configure({ chunks: 1 });
    const fixed = await cpu(300);
    await upstream.configure({ chunks: size, delayMs: PACE_MS });
    const replies = Math.max(1, Math.round(totalChunks / size));
    const t0 = performance.now();
    const m = await cpu(replies);
    return {
      size,
      replies,
      seconds: (performance.now() - t0) / 1000,
      fixed,
      perReply: m,
      serverPerK: ((m.server - fixed.server) / size) * 1000,
      upstreamPerK: ((m.upstream - fixed.upstream) / size) * 1000,
    };
  } finally {
    await pool.close();
    await srv.stop();
    await upstream.stop();
  }
}

export async function run(opts) {
  const sizes = opts.quick ? [500, 5000] : [500, 5000, 50000];
  const totalChunks = opts.quick ? 5000 : 50000;
  const jobs = CASES.flatMap((c) => (c.sizes ?? sizes).map((size) => ({ c, size })));
  const results = await Promise.all(jobs.map(({ c, size }) => measure(c, size, totalChunks)));
  const rows = [];
  const data = {};
  for (const c of CASES) {
    const mine = results.filter((_, i) => jobs[i].c === c);
    for (const r of mine) {
      rows.push({
        metric: `${c.name}: CPU per 1,000 chunks, ${r.size}-chunk replies`,
        value: round(r.serverPerK, 2),
        unit: 'ms',
        direct: round(r.upstreamPerK, 2),
        // Issue 22: translated <= 1.0x the upstream's own CPU per chunk, raw <= 0.6x.
        ratio: `${(r.serverPerK / r.upstreamPerK).toFixed(2)}x`,
        target: c.floor ? undefined : c.translated ? '<= 1.0x upstream' : '<= 0.6x upstream',
        ok: c.floor ? undefined : r.serverPerK <= r.upstreamPerK * (c.translated ? 1 : 0.6),
        note: `${r.replies} x ${r.size} chunks in ${r.seconds.toFixed(0)} s; fixed ${r.fixed.server.toFixed(2)} ms per reply`,
      });
    }
    data[c.name] = mine;
    if (mine.length < 2) continue;
    const ks = mine.map((r) => r.serverPerK);
    const spread = Math.max(...ks) / Math.min(...ks) - 1;
    rows.push({
      metric: `${c.name}: linearity (spread of per-1,000 cost)`,
      value: round(spread * 100, 1),
      unit: '%',
      target: '< 10 %',
      ok: spread < 0.1,
    });
  }
  return { rows, data: { paceMs: PACE_MS, totalChunks, cases: data } };
}

// 3. Streaming cost: CPU time of the server process per 1,000 streamed chunks, for short and very long
// replies, passed through raw and translated (Ollama NDJSON -> OpenAI SSE). The fake upstream's own CPU
// for the same chunks is the direct baseline. The cost of a 1-chunk reply (auth, routing, the upstream
// request) is measured separately and taken off, so "per 1,000 chunks" is the cost of the chunks alone.
import { Pool, request } from 'undici';
import { session } from '../lib/fixtures.mjs';
import { readStream } from '../lib/load.mjs';
import { startServer, startUpstream, tempDataDir } from '../lib/procs.mjs';
import { linearFit, median, round } from '../lib/stats.mjs';

const MESSAGES = [{ role: 'user', content: 'Write a very long story.' }];
const SIZES = [500, 5000, 50000];

const CASES = [
  { name: 'raw Ollama NDJSON (/ollama/api/chat)', path: '/ollama/api/chat', body: { model: 'bench-llama:latest', messages: MESSAGES, stream: true } },
  { name: 'raw OpenAI SSE (/openai/chat/completions)', path: '/openai/chat/completions', body: { model: 'bench-gpt', messages: MESSAGES, stream: true } },
  { name: 'translated Ollama->SSE (/api/chat/completions)', path: '/api/chat/completions', body: { model: 'bench-llama:latest', messages: MESSAGES, stream: true } },
];

async function upstreamCpuMs(url) {
  const r = await request(`${url}/_bench/usage`);
  const u = await r.body.json();
  return (u.cpu.user + u.cpu.system) / 1000;
}

export async function run(opts) {
  const upstream = await startUpstream();
  const srv = await startServer({ dataDir: tempDataDir('streaming'), upstreamUrl: upstream.url });
  const pool = new Pool(srv.url, { connections: 1 });
  // Chunks per measurement, split into as many replies as that takes, so every size gets the same
  // CPU-clock resolution (the kernel counts in 10 ms ticks).
  const perMeasure = opts.quick ? 50_000 : 100_000;
  const reps = opts.quick ? 1 : 3;
  const rows = [];
  const data = {};
  try {
    const s = await session(srv.url);
    // CPU of `replies` sequential replies of `size` chunks: median over repetitions, server and upstream.
    const measure = async (c, size, replies) => {
      await upstream.configure({ chunks: size, delayMs: 0, token: 'tok ', stamp: false, yieldEvery: 1 });
      const one = async () => {
        const r = await readStream(pool, { path: c.path, headers: s.headers, body: c.body });
        if (r.status !== 200) throw new Error(`${c.name}: status ${r.status}`);
      };
      await one(); // warm-up
      const ours = [];
      const theirs = [];
      for (let rep = 0; rep < reps; rep++) {
        const before = srv.stats().cpuMs;
        const upBefore = await upstreamCpuMs(upstream.url);
        for (let i = 0; i < replies; i++) await one();
        ours.push((srv.stats().cpuMs - before) / replies);
        theirs.push(((await upstreamCpuMs(upstream.url)) - upBefore) / replies);
      }
      return { server: median(ours), upstream: median(theirs) };
    };
    for (const c of CASES) {
      // What a reply costs besides its chunks (auth, routing, upstream request): a 1-chunk reply.
      const fixed = await measure(c, 1, opts.quick ? 100 : 300);
      const points = [[1, fixed.server]];
      const perK = {};
      const upK = {};
      for (const size of SIZES) {
        // Chunks per measurement are the same for every size, so each gets the same CPU-clock
        // resolution (the kernel counts in 10 ms ticks).
        const replies = Math.max(1, Math.round(perMeasure / size));
        const m = await measure(c, size, replies);
        perK[size] = ((m.server - fixed.server) / size) * 1000;
        upK[size] = ((m.upstream - fixed.upstream) / size) * 1000;
        points.push([size, m.server]);
      }
      const ks = Object.values(perK);
      const spread = Math.max(...ks) / Math.min(...ks) - 1;
      const fit = linearFit(points);
      for (const size of SIZES) {
        rows.push({
          metric: `${c.name}: CPU per 1,000 chunks, ${size}-chunk replies`,
          value: round(perK[size], 2),
          unit: 'ms',
          direct: round(upK[size], 2),
        });
      }
      rows.push({
        metric: `${c.name}: linearity (spread of per-1,000 cost)`,
        value: round(spread * 100, 1),
        unit: '%',
        target: '< 10 %',
        ok: spread < 0.1,
        note: `fixed ${fixed.server.toFixed(2)} ms per reply (upstream ${fixed.upstream.toFixed(2)} ms)`,
      });
      data[c.name] = { fixed, perK, upstreamPerK: upK, points, fit };
    }
    data.serverAfter = srv.stats();
    return { rows, data };
  } finally {
    await pool.close();
    await srv.stop();
    await upstream.stop();
  }
}

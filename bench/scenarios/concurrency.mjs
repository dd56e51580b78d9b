// 4. Concurrency: many simultaneous streaming chats for a fixed time, direct and through the server.
// The fake upstream stamps every piece with the time it was written; the client subtracts that from the
// time it read the piece, so "added inter-token delay" is how much later each token arrives through us.
import { Pool, request } from 'undici';
import { session } from '../lib/fixtures.mjs';
import { readStream } from '../lib/load.mjs';
import { sleep, startServer, startUpstream, tempDataDir } from '../lib/procs.mjs';
import { percentile, round } from '../lib/stats.mjs';

const MESSAGES = [{ role: 'user', content: 'Tell me a long story.' }];
const STAMP = /@(\d+\.\d+)@/g;

/**
 * Opens `streams` streams, spread over the ramp (opening a stream costs the server about a millisecond
 * of CPU, so 1,000 at once would stall every running stream for a second), and reads them to the end.
 * Per-token delays are kept for the whole run and for the steady state (tokens sent after every
 * stream was open plus one second).
 */
export async function wave({ origin, path, headers, body, streams, chunks, rampMs, isDone, sample }) {
  const pool = new Pool(origin, { connections: streams + 16, keepAliveTimeout: 120_000, bodyTimeout: 0, headersTimeout: 0 });
  const delays = new Float64Array(streams * chunks);
  const steady = new Float64Array(streams * chunks);
  const steadyFrom = performance.timeOrigin + performance.now() + rampMs + 1000;
  let n = 0;
  let ns = 0;
  let complete = 0;
  let failed = 0;
  let firstError;
  // Request sent to first token read, per stream (the socketio scenario compares its own with it).
  const ttft = new Float64Array(streams).fill(NaN);
  const one = async (i) => {
    await sleep((i * rampMs) / streams);
    const sentAt = performance.now();
    let tokens = 0;
    let tail = '';
    let done = false;
    try {
      const r = await readStream(pool, { path, headers, body }, (text) => {
        const now = performance.timeOrigin + performance.now();
        // A stamp may be split across reads: keep the unfinished end for the next piece.
        const all = tail + text;
        const cut = all.lastIndexOf('\n');
        const whole = cut === -1 ? '' : all.slice(0, cut);
        tail = cut === -1 ? all : all.slice(cut + 1);
        for (const m of whole.matchAll(STAMP)) {
          if (tokens === 0) ttft[i] = performance.now() - sentAt;
          tokens++;
          const sent = Number(m[1]);
          if (n < delays.length) delays[n++] = now - sent;
          if (sent >= steadyFrom && ns < steady.length) steady[ns++] = now - sent;
        }
        if (!done && isDone(whole)) done = true;
      });
      if (r.status === 200 && done && tokens === chunks) complete++;
      else {
        failed++;
        firstError ??= `status ${r.status}, ${tokens}/${chunks} tokens, done=${done}`;
      }
    } catch (err) {
      failed++;
      firstError ??= String(err);
    }
  };
  const t0 = performance.now();
  const peak = { rssMb: 0 };
  const sampler = setInterval(() => {
    const s = sample?.();
    if (s && s.rssMb > peak.rssMb) peak.rssMb = s.rssMb;
  }, 500);
  await Promise.all(Array.from({ length: streams }, (_, i) => one(i)));
  clearInterval(sampler);
  await pool.close();
  const d = delays.subarray(0, n);
  const st = steady.subarray(0, ns);
  return {
    seconds: (performance.now() - t0) / 1000,
    complete,
    failed,
    firstError,
    tokens: n,
    p50: percentile(d, 50),
    p99: percentile(d, 99),
    max: percentile(d, 100),
    steadyTokens: ns,
    steadyP50: percentile(st, 50),
    steadyP99: percentile(st, 99),
    steadyMax: percentile(st, 100),
    peakRssMb: peak.rssMb,
    ttftP50: percentile(ttft.filter(Number.isFinite), 50),
    ttftP99: percentile(ttft.filter(Number.isFinite), 99),
  };
}

async function upstreamCpuMs(url) {
  const r = await request(`${url}/_bench/usage`);
  const u = await r.body.json();
  return (u.cpu.user + u.cpu.system) / 1000;
}

const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One direct + through run at `intervalMs` between tokens, on a fresh server. */
async function pass(streams, DELAY_MS, durationS) {
  const chunks = Math.max(1, Math.round((durationS * 1000) / DELAY_MS));
  const rampMs = Math.max(1000, streams * 5);
  const upstream = await startUpstream();
  await upstream.configure({ chunks, delayMs: DELAY_MS, token: 'tok ', stamp: true, yieldEvery: 1 });
  const srv = await startServer({ dataDir: tempDataDir('concurrency'), upstreamUrl: upstream.url });
  try {
    const s = await session(srv.url);
    const body = { model: 'bench-llama:latest', messages: MESSAGES, stream: true };
    // Direct: the Ollama stream the server itself consumes. Through: the UI's route, translated to SSE.
    const direct = await wave({ origin: upstream.url, path: '/api/chat', headers: {}, body, streams, chunks, rampMs, isDone: (t) => t.includes('"done":true') });
    const before = srv.stats();
    const upBefore = await upstreamCpuMs(upstream.url);
    const clientBefore = ownCpuMs();
    const through = await wave({
      origin: srv.url,
      path: '/api/chat/completions',
      headers: s.headers,
      body,
      streams,
      chunks,
      rampMs,
      isDone: (t) => t.includes('data: [DONE]'),
      sample: srv.stats,
    });
    const after = srv.stats();
    const cores = (ms) => round(ms / 1000 / through.seconds, 2);
    const load = {
      server: cores(after.cpuMs - before.cpuMs),
      upstream: cores((await upstreamCpuMs(upstream.url)) - upBefore),
      client: cores(ownCpuMs() - clientBefore),
    };
    const added99 = through.steadyP99 - direct.steadyP99;
    const addedAll99 = through.p99 - direct.p99;
    const rows = [
      {
        metric: `${streams} streams x ${durationS} s, a token every ${DELAY_MS} ms: completed through /api/chat/completions`,
        value: through.complete,
        unit: '',
        direct: direct.complete,
        ratio: '',
        target: `${streams}`,
        ok: through.complete === streams,
        note: through.failed ? `${through.failed} failed: ${through.firstError}` : `${through.tokens} tokens in ${through.seconds.toFixed(1)} s`,
      },
      {
        metric: 'added per-token delay p99, all streams open',
        value: round(added99, 2),
        unit: 'ms',
        direct: round(direct.steadyP99, 2),
        ratio: '',
        target: '< 5 ms',
        ok: added99 < 5,
        note: `through p50 ${round(through.steadyP50, 2)} / p99 ${round(through.steadyP99, 2)} / max ${round(through.steadyMax, 1)} ms; direct p50 ${round(direct.steadyP50, 2)}`,
      },
      {
        metric: `added per-token delay p99, whole run incl. ${(rampMs / 1000).toFixed(0)} s ramp-up`,
        value: round(addedAll99, 2),
        unit: 'ms',
        direct: round(direct.p99, 2),
        ratio: '',
        note: `through p50 ${round(through.p50, 2)} / max ${round(through.max, 1)} ms`,
      },
      {
        metric: 'server peak RSS during the streams',
        value: round(Math.max(through.peakRssMb, after.rssMb), 1),
        unit: 'MB',
        note: `VmHWM ${round(after.hwmMb, 1)} MB; RSS before ${round(before.rssMb, 1)} MB; CPU cores used: server ${load.server}, upstream ${load.upstream}, load generator ${load.client}`,
      },
    ];
    return { rows, data: { streams, chunks, delayMs: DELAY_MS, rampMs, direct, through, before, after, coresDuringThrough: load } };
  } finally {
    await srv.stop();
    await upstream.stop();
  }
}

export async function run(opts) {
  const main = await pass(opts.streams, opts.intervalMs, opts.durationS);
  if (opts.quick) return main;
  // The same streams at a fifth of the token rate, for a shorter time: where the delay comes from
  // CPU saturation of the 2 cores rather than from the number of open streams.
  const light = await pass(opts.streams, opts.intervalMs * 5, Math.max(10, Math.round(opts.durationS / 2)));
  const rows = [...main.rows, ...light.rows.slice(0, 3).map((r) => ({ ...r, metric: r.metric.startsWith('added') ? `${r.metric} (1/5 rate)` : r.metric }))];
  return { rows, data: { main: main.data, light: light.data } };
}

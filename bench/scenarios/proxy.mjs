// 2. Proxy overhead: one fake upstream hit directly and through the server (non-streaming, with auth).
import { session } from '../lib/fixtures.mjs';
import { runLoad } from '../lib/load.mjs';
import { startPeers } from '../lib/peers.mjs';
import { procStats, startServer, startUpstream, tempDataDir } from '../lib/procs.mjs';
import { median, round } from '../lib/stats.mjs';

const MESSAGES = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Say hello in twenty tokens.' },
];

/** Each route through the server, with the upstream call it makes (the direct baseline). */
function cases(upstream, auth) {
  const ollamaBody = { model: 'bench-llama:latest', messages: MESSAGES, stream: false };
  const openaiBody = { model: 'bench-gpt', messages: MESSAGES, stream: false };
  const ollamaDirect = { origin: upstream, path: '/api/chat', body: ollamaBody };
  const openaiDirect = { origin: upstream, path: '/v1/chat/completions', body: openaiBody, headers: { authorization: 'Bearer sk-bench' } };
  return [
    { name: '/ollama/api/chat', through: { path: '/ollama/api/chat', body: ollamaBody, headers: auth }, direct: ollamaDirect },
    { name: '/openai/chat/completions', through: { path: '/openai/chat/completions', body: openaiBody, headers: auth }, direct: openaiDirect },
    { name: '/api/chat/completions (OpenAI model)', through: { path: '/api/chat/completions', body: openaiBody, headers: auth }, direct: openaiDirect },
    { name: '/api/chat/completions (Ollama model, translated)', through: { path: '/api/chat/completions', body: ollamaBody, headers: auth }, direct: ollamaDirect },
  ];
}

export async function run(opts) {
  const upstream = await startUpstream();
  const upCpu = () => procStats(upstream.pid).cpuMs;
  await upstream.configure({ chunks: 20, delayMs: 0, token: 'tok ', stamp: false });
  const srv = await startServer({ dataDir: tempDataDir('proxy'), upstreamUrl: upstream.url });
  const srvCpu = () => srv.stats().cpuMs;
  const reps = opts.quick ? 1 : 3;
  const n1 = opts.quick ? 500 : 2000;
  const n64 = opts.quick ? 2000 : 8000;
  const rows = [];
  const data = {};
  try {
    const s = await session(srv.url);
    for (const c of cases(upstream.url, s.headers)) {
      const through = { origin: srv.url, ...c.through };
      const d1 = [];
      const t1 = [];
      const d64 = [];
      const t64 = [];
      // Alternate direct and through so drift in machine load hits both alike.
      for (let r = 0; r < reps; r++) {
        d1.push(await runLoad({ ...c.direct, total: n1, concurrency: 1, warmup: 200 }));
        t1.push(await runLoad({ ...through, total: n1, concurrency: 1, warmup: 200 }));
        d64.push(await runLoad({ ...c.direct, total: n64, concurrency: 64, warmup: 640, probe: upCpu }));
        t64.push(await runLoad({ ...through, total: n64, concurrency: 64, warmup: 640, probe: srvCpu }));
      }
      const failures = [...t1, ...t64, ...d1, ...d64].reduce((a, x) => a + x.failures, 0);
      const firstFailure = [...t1, ...t64, ...d1, ...d64].find((x) => x.firstFailure)?.firstFailure;
      if (failures && t1.every((x) => x.failures === x.requests)) throw new Error(`${c.name}: every request failed: ${firstFailure}`);
      const m = (runs, k) => median(runs.map((x) => x[k]));
      const added50 = m(t1, 'p50') - m(d1, 'p50');
      const added99 = m(t1, 'p99') - m(d1, 'p99');
      const ratio64 = m(t64, 'rps') / m(d64, 'rps');
      const note = failures ? `${failures} failures: ${firstFailure}` : undefined;
      // CPU per request first: unlike latency it hardly depends on what else the machine is doing.
      const cpuK = (m(t64, 'probed') * 1000) / n64;
      const upK = (m(d64, 'probed') * 1000) / n64;
      rows.push({ metric: `${c.name}: server CPU per 1,000 requests, c=64`, value: round(cpuK, 1), unit: 'ms', direct: round(upK, 1), ratio: `${(cpuK / upK).toFixed(2)}x`, target: '<= 150 ms', ok: cpuK <= 150, note: 'direct = the fake upstream\'s own CPU' });
      rows.push({ metric: `${c.name}: added p50, c=1`, value: round(added50, 3), unit: 'ms', direct: round(m(d1, 'p50'), 3), ratio: '', target: '<= 0.30 ms', ok: added50 <= 0.3, note });
      rows.push({ metric: `${c.name}: added p99, c=1`, value: round(added99, 3), unit: 'ms', direct: round(m(d1, 'p99'), 3), ratio: '', target: '<= 1 ms', ok: added99 <= 1 });
      rows.push({
        metric: `${c.name}: throughput, c=64`,
        value: Math.round(m(t64, 'rps')),
        unit: 'req/s',
        direct: Math.round(m(d64, 'rps')),
        ratio: `${ratio64.toFixed(2)}x`,
        target: '>= 0.5x',
        ok: ratio64 >= 0.5,
        note: `c=1: ${Math.round(m(t1, 'rps'))} vs ${Math.round(m(d1, 'rps'))} req/s (${(m(t1, 'rps') / m(d1, 'rps')).toFixed(2)}x)`,
      });
      const strip = (runs) => runs.map(({ latencies, ...rest }) => rest);
      data[c.name] = { direct1: strip(d1), through1: strip(t1), direct64: strip(d64), through64: strip(t64) };
    }
    data.serverAfter = srv.stats();
    await peerRows({ upstream, srv, auth: s.headers, reps, n1, n64, rows, data });
    return { rows, data };
  } finally {
    await srv.stop();
    await upstream.stop();
  }
}

/**
 * The Node floor, Portkey and nginx beside our /openai/chat/completions, all forwarding the same OpenAI
 * request to the same upstream, measured in rotation (direct, ours, then each peer) so load drift hits
 * each alike.
 */
async function peerRows({ upstream, srv, auth, reps, n1, n64, rows, data }) {
  const peers = await startPeers(upstream.url);
  const body = { model: 'bench-gpt', messages: MESSAGES, stream: false };
  const targets = [
    { name: 'direct', origin: upstream.url, path: '/v1/chat/completions', headers: { authorization: 'Bearer sk-bench' }, cpu: () => procStats(upstream.pid).cpuMs },
    { name: 'ours (/openai/chat/completions)', origin: srv.url, path: '/openai/chat/completions', headers: auth, cpu: () => srv.stats().cpuMs },
    ...peers.map((p) => ({ name: p.name, origin: p.url, path: p.path, headers: p.headers, cpu: p.cpuMs, peer: p })),
  ];
  try {
    const res = new Map(targets.map((t) => [t.name, { c1: [], c64: [] }]));
    for (let r = 0; r < reps; r++) {
      for (const t of targets) {
        const base = { origin: t.origin, path: t.path, headers: t.headers, body };
        res.get(t.name).c1.push(await runLoad({ ...base, total: n1, concurrency: 1, warmup: 200, probe: t.cpu }));
        res.get(t.name).c64.push(await runLoad({ ...base, total: n64, concurrency: 64, warmup: 640, probe: t.cpu }));
      }
    }
    const m = (runs, k) => median(runs.map((x) => x[k]));
    const fig = (t) => {
      const { c1, c64 } = res.get(t.name);
      const failures = [...c1, ...c64].reduce((a, x) => a + x.failures, 0);
      return {
        cpuK: (m(c64, 'probed') * 1000) / n64,
        cpuK1: (m(c1, 'probed') * 1000) / n1,
        p50: m(c1, 'p50'),
        p99: m(c1, 'p99'),
        rps: m(c64, 'rps'),
        failures,
        firstFailure: [...c1, ...c64].find((x) => x.firstFailure)?.firstFailure,
      };
    };
    const d = fig(targets[0]);
    const ours = fig(targets[1]);
    data.peers = {};
    for (const t of targets) {
      const f = fig(t);
      data.peers[t.name] = { ...f, startMs: t.peer?.startMs, rssMbAfter: t.peer?.rssMb() };
      const label = `peers: ${t.name}`;
      const vsOurs = t === targets[1] ? '' : `${(f.cpuK / ours.cpuK).toFixed(2)}x ours`;
      const fail = f.failures ? `; ${f.failures} failures: ${f.firstFailure}` : '';
      rows.push({ metric: `${label}: CPU per 1,000 requests, c=64`, value: round(f.cpuK, 1), unit: 'ms', direct: round(d.cpuK, 1), ratio: vsOurs, target: undefined, ok: undefined, note: `c=1: ${round(f.cpuK1, 1)} ms${fail}` });
      if (t === targets[0]) {
        rows.push({ metric: `${label}: p50 / p99, c=1`, value: `${round(f.p50, 3)} / ${round(f.p99, 3)}`, unit: 'ms', direct: undefined, ratio: '', target: undefined, ok: undefined });
        rows.push({ metric: `${label}: throughput, c=64`, value: Math.round(f.rps), unit: 'req/s', direct: undefined, ratio: '', target: undefined, ok: undefined });
        continue;
      }
      rows.push({ metric: `${label}: added p50 / p99, c=1`, value: `${round(f.p50 - d.p50, 3)} / ${round(f.p99 - d.p99, 3)}`, unit: 'ms', direct: `${round(d.p50, 3)} / ${round(d.p99, 3)}`, ratio: '', target: undefined, ok: undefined });
      rows.push({ metric: `${label}: throughput, c=64`, value: Math.round(f.rps), unit: 'req/s', direct: Math.round(d.rps), ratio: `${(f.rps / d.rps).toFixed(2)}x`, target: undefined, ok: undefined, note: t.peer ? `start ${Math.round(t.peer.startMs)} ms; RSS after ${round(t.peer.rssMb(), 1)} MB` : '' });
    }
  } finally {
    for (const p of peers) await p.stop();
  }
}

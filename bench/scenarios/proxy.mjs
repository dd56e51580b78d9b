// 2. Proxy overhead: one fake upstream hit directly and through the server (non-streaming, with auth).
import { session } from '../lib/fixtures.mjs';
import { runLoad } from '../lib/load.mjs';
import { startServer, startUpstream, tempDataDir } from '../lib/procs.mjs';
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
  await upstream.configure({ chunks: 20, delayMs: 0, token: 'tok ', stamp: false });
  const srv = await startServer({ dataDir: tempDataDir('proxy'), upstreamUrl: upstream.url });
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
        d64.push(await runLoad({ ...c.direct, total: n64, concurrency: 64, warmup: 640 }));
        t64.push(await runLoad({ ...through, total: n64, concurrency: 64, warmup: 640 }));
      }
      const failures = [...t1, ...t64, ...d1, ...d64].reduce((a, x) => a + x.failures, 0);
      const firstFailure = [...t1, ...t64, ...d1, ...d64].find((x) => x.firstFailure)?.firstFailure;
      if (failures && t1.every((x) => x.failures === x.requests)) throw new Error(`${c.name}: every request failed: ${firstFailure}`);
      const m = (runs, k) => median(runs.map((x) => x[k]));
      const added50 = m(t1, 'p50') - m(d1, 'p50');
      const added99 = m(t1, 'p99') - m(d1, 'p99');
      const ratio64 = m(t64, 'rps') / m(d64, 'rps');
      const note = failures ? `${failures} failures: ${firstFailure}` : undefined;
      rows.push({ metric: `${c.name}: added p50, c=1`, value: round(added50, 3), unit: 'ms', direct: round(m(d1, 'p50'), 3), ratio: '', target: '< 0.5 ms', ok: added50 < 0.5, note });
      rows.push({ metric: `${c.name}: added p99, c=1`, value: round(added99, 3), unit: 'ms', direct: round(m(d1, 'p99'), 3), ratio: '', target: '< 2 ms', ok: added99 < 2 });
      rows.push({
        metric: `${c.name}: throughput, c=64`,
        value: Math.round(m(t64, 'rps')),
        unit: 'req/s',
        direct: Math.round(m(d64, 'rps')),
        ratio: `${ratio64.toFixed(2)}x`,
        target: '>= 0.8x',
        ok: ratio64 >= 0.8,
        note: `c=1: ${Math.round(m(t1, 'rps'))} vs ${Math.round(m(d1, 'rps'))} req/s (${(m(t1, 'rps') / m(d1, 'rps')).toFixed(2)}x)`,
      });
      const strip = (runs) => runs.map(({ latencies, ...rest }) => rest);
      data[c.name] = { direct1: strip(d1), through1: strip(t1), direct64: strip(d64), through64: strip(t64) };
    }
    data.serverAfter = srv.stats();
    return { rows, data };
  } finally {
    await srv.stop();
    await upstream.stop();
  }
}

// A/B of the non-streamed proxy path between two builds:
// `node bench/ab-proxy.mjs A.mjs B.mjs [pairs] [block] [launches]` (each a bin like server/bin/open-webui.mjs).
// Both servers run at once against one fake upstream (20-token replies), each with its own data directory
// and session, started anew `launches` times (default 3; `pairs` is split between them). Per route of the proxy scenario, after a
// warm-up that is not counted, the two builds take turns in short blocks (`block` requests at c=64, then
// a fifth of that at c=1; AB, BA, AB, ... for `pairs` pairs) on keep-alive connections opened once, and
// each block's server CPU is the on-CPU time of every thread (schedstat, ns). Other load on the machine
// drifts over seconds, so blocks a fraction of a second apart share most of it: the paired per-block
// difference resolves a few us where whole-run figures move by tens. Prints per route: the median CPU
// per request of each build (c=64, c=1), the paired difference B - A (median, and mean +- standard
// error; and the difference of medians per launch), added p50/p99 at c=1 over all of a build's blocks
// (minus the direct call's), and `uptime` load.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { session } from './lib/fixtures.mjs';
import { runLoad, timedRequest } from './lib/load.mjs';
import { removeTempDirs, schedNs, startServer, startUpstream, tempDataDir } from './lib/procs.mjs';
import { percentile } from './lib/stats.mjs';

const [binA, binB, pairsArg = '30', blockArg = '500', launchesArg = '3'] = process.argv.slice(2);
if (!binA || !binB) {
  console.error('usage: node bench/ab-proxy.mjs A.mjs B.mjs [pairs] [block] [launches]');
  process.exit(2);
}
const launches = Number(launchesArg);
const pairs = Math.max(2, Math.round(Number(pairsArg) / launches));
const block64 = Number(blockArg);
const block1 = Math.max(20, Math.round(block64 / 5));


/** Median; the mean of the two middle values for an even count (stats.median takes the lower one). */
function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Closed-loop load on `concurrency` keep-alive connections kept across blocks; `lat` collects ms per request. */
function driver(origin, { path: p, body, headers }, concurrency) {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 600_000 });
  const opts = { path: p, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
  const tally = { failures: 0, firstFailure: undefined };
  return {
    get failures() {
      return tally.failures;
    },
    get firstFailure() {
      return tally.firstFailure;
    },
    async run(n, lat) {
      let next = 0;
      const worker = async () => {
        while (next < n) {
          next++;
          const ms = await timedRequest(pool, opts, tally);
          lat?.push(ms);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
    },
    close: () => pool.close(),
  };
}

const MESSAGES = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Say hello in twenty tokens.' },
];
const ollamaBody = { model: 'bench-llama:latest', messages: MESSAGES, stream: false };
const openaiBody = { model: 'bench-gpt', messages: MESSAGES, stream: false };
// The proxy scenario's four routes, each with the upstream call it makes (the direct baseline).
const ROUTES = [
  { name: '/ollama/api/chat', path: '/ollama/api/chat', body: ollamaBody, direct: 'ollama' },
  { name: '/openai/chat/completions', path: '/openai/chat/completions', body: openaiBody, direct: 'openai' },
  { name: '/api/chat/completions (OpenAI)', path: '/api/chat/completions', body: openaiBody, direct: 'openai' },
  { name: '/api/chat/completions (Ollama)', path: '/api/chat/completions', body: ollamaBody, direct: 'ollama' },
];

// AB_ROUTES=0,1 measures only those routes (indexes into ROUTES); AB_CPU=1 pins both servers (every
// thread) to that CPU, so neither gets a core the other does not.
const routes = process.env.AB_ROUTES ? process.env.AB_ROUTES.split(',').map((i) => ROUTES[Number(i)]) : ROUTES;
const pinCpu = process.env.AB_CPU;
// AB_NODE_ARGS: node flags for both servers (space-separated); AB_NODE_ARGS_A / _B for one build only
// (A and B may then be the same bin, to measure a flag).
const argsOf = (v) => (v ? v.split(' ').filter(Boolean) : undefined);
const nodeArgsOf = (k) => argsOf(process.env[`AB_NODE_ARGS_${k}`] ?? process.env.AB_NODE_ARGS);

const upstream = await startUpstream();
await upstream.configure({ chunks: 20, delayMs: 0, token: 'tok ', stamp: false });
const direct = {
  ollama: { origin: upstream.url, path: '/api/chat', body: ollamaBody },
  openai: { origin: upstream.url, path: '/v1/chat/completions', body: openaiBody, headers: { authorization: 'Bearer sk-bench' } },
};
const sum = new Map(routes.map((r) => [r.name, { A: { c64: [], c1: [], lat: [] }, B: { c64: [], c1: [], lat: [] }, launchDiff: [], d1: [] }]));
const loads = [os.loadavg()[0].toFixed(2)];
let failures = 0;
// Each launch is a new pair of processes: the same build differs by a few us from one process to the
// next (what V8 happened to optimise), which pairing blocks within one launch cannot average out.
for (let launch = 0; launch < launches; launch++) {
  const builds = {};
  for (const [k, bin] of launch % 2 ? [['B', binB], ['A', binA]] : [['A', binA], ['B', binB]]) {
    const srv = await startServer({ dataDir: tempDataDir(`ab-${k}`), upstreamUrl: upstream.url, bin: path.resolve(bin), ...(nodeArgsOf(k) ? { nodeArgs: nodeArgsOf(k) } : {}) });
    if (pinCpu !== undefined) spawnSync('taskset', ['-a', '-c', '-p', pinCpu, String(srv.pid)], { stdio: 'ignore' });
    builds[k] = { srv, auth: (await session(srv.url)).headers };
  }
  try {
    for (const route of routes) {
      const d1 = await runLoad({ ...direct[route.direct], total: pairs * block1, concurrency: 1, warmup: 100 });
      const per = {};
      for (const k of ['A', 'B']) {
        const target = { path: route.path, body: route.body, headers: builds[k].auth };
        per[k] = { c64: [], c1: [], lat: [], d64: driver(builds[k].srv.url, target, 64), d1: driver(builds[k].srv.url, target, 1) };
        await per[k].d64.run(2000);
        await per[k].d1.run(200);
      }
      const measure = async (k, conc) => {
        const { pid } = builds[k].srv;
        const n = conc === 64 ? block64 : block1;
        const t0 = schedNs(pid);
        await (conc === 64 ? per[k].d64.run(n) : per[k].d1.run(n, per[k].lat));
        (conc === 64 ? per[k].c64 : per[k].c1).push((schedNs(pid) - t0) / 1000 / n);
      };
      for (const conc of [64, 1]) {
        for (let i = 0; i < pairs; i++) for (const k of i % 2 ? ['B', 'A'] : ['A', 'B']) await measure(k, conc);
      }
      const agg = sum.get(route.name);
      for (const k of ['A', 'B']) {
        failures += per[k].d64.failures + per[k].d1.failures;
        if (per[k].d64.failures + per[k].d1.failures) console.error(`${k} ${route.name}: failures, first: ${per[k].d64.firstFailure ?? per[k].d1.firstFailure}`);
        await per[k].d64.close();
        await per[k].d1.close();
        agg[k].c64.push(...per[k].c64);
        agg[k].c1.push(...per[k].c1);
        agg[k].lat.push(...per[k].lat);
      }
      agg.launchDiff.push(median(per.B.c64) - median(per.A.c64));
      agg.d1.push(d1);
      loads.push(os.loadavg()[0].toFixed(2));
    }
  } finally {
    for (const k of ['A', 'B']) await builds[k].srv.stop();
  }
}
await upstream.stop();
removeTempDirs();

function paired(a, b) {
  const d = a.map((x, i) => b[i] - x);
  const m = d.reduce((s, x) => s + x, 0) / d.length;
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, d.length - 1));
  return `median ${median(d).toFixed(1)}, mean ${m.toFixed(1)} +- ${(sd / Math.sqrt(d.length)).toFixed(1)}`;
}
console.log(`A ${binA}\nB ${binB}\n${launches} launches x ${pairs} pairs of blocks per route: ${block64} requests at c=64, ${block1} at c=1 (after a warm-up of 2,000 and 200 per launch)`);
for (const route of routes) {
  const { A, B, launchDiff, d1: d1s } = sum.get(route.name);
  const d50 = median(d1s.map((d) => d.p50));
  const d99 = median(d1s.map((d) => d.p99));
  const lat = (x, p) => (percentile(x.lat, p) - (p === 50 ? d50 : d99)).toFixed(3);
  console.log(`${route.name}`);
  console.log(`  CPU us/req c=64: A ${median(A.c64).toFixed(1)}  B ${median(B.c64).toFixed(1)}  B - A: ${paired(A.c64, B.c64)}; per launch [${launchDiff.map((x) => x.toFixed(1)).join(' ')}]`);
  console.log(`  CPU us/req c=1:  A ${median(A.c1).toFixed(1)}  B ${median(B.c1).toFixed(1)}  B - A: ${paired(A.c1, B.c1)}`);
  console.log(`  added p50 / p99 at c=1 (ms): A ${lat(A, 50)} / ${lat(A, 99)}  B ${lat(B, 50)} / ${lat(B, 99)}  (direct ${d50.toFixed(3)} / ${d99.toFixed(3)})`);
}
if (failures) console.log(`${failures} failed requests (non-200)`);
console.log(`load (1 min) at the start and after each route: ${loads.join(' ')}`);

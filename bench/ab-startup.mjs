// A/B of start-up between two builds of the server: `node bench/ab-startup.mjs A.mjs B.mjs [rounds] [starts]`
// (each argument a bin like server/bin/open-webui.mjs). Per round, in alternating order, each build gets
// `starts` launches on new empty data directories (server CPU utime+stime at the first /health 200, and
// wall time), then one launch on a copy of the populated data directory: RSS 1 s after start, then 1,000
// requests of a signed-in browser (server CPU for them) and RSS 1 s after them. Prints medians per build and `uptime` load.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { populatedDataDir, session } from './lib/fixtures.mjs';
import { removeTempDirs, schedNs, sleep, startServer, tempDataDir } from './lib/procs.mjs';
import { median } from './lib/stats.mjs';

const [binA, binB, roundsArg = '3', startsArg = '5', ...extra] = process.argv.slice(2);
if (!binA || !binB) {
  console.error('usage: node bench/ab-startup.mjs A.mjs B.mjs [rounds] [starts] [--no-browse] [--populated]');
  process.exit(2);
}
const browseToo = !extra.includes('--no-browse');
// --populated: the CPU starts run on copies of the populated data directory instead of empty ones.
const populatedStarts = extra.includes('--populated');
const rounds = Number(roundsArg);
const starts = Number(startsArg);
const frontend = process.env.FRONTEND_BUILD_DIR;

/** One start of `bin`, with its CPU at the first /health 200 from both clocks. */
async function launch(bin, dataDir) {
  const s = await startServer({ dataDir, bin: path.resolve(bin), env: frontend ? { FRONTEND_BUILD_DIR: frontend } : {} });
  return { ...s, ms: s.startMs, cpuMs: s.stats().cpuMs, schedMs: schedCpuMs(s.pid) };
}

/** On-CPU time of every live thread of the process in ms (schedstat ns, not 10 ms ticks). */
const schedCpuMs = (pid) => schedNs(pid) / 1e6;

async function browse(url, headers, count) {
  const paths = ['/health', '/api/config', '/api/v1/auths/', '/api/v1/chats/?page=1', '/api/version'];
  let failures = 0;
  for (let i = 0; i < count; i++) {
    const r = await request(`${url}${paths[i % paths.length]}`, { headers });
    await r.body.dump();
    if (r.statusCode !== 200) failures++;
  }
  return failures;
}

const pop = browseToo || populatedStarts ? await populatedDataDir({ users: 1000, chats: 10000 }) : null;
const res = { A: { cpu: [], sched: [], ms: [], rss1: [], rssAfter: [], reqCpu: [] }, B: { cpu: [], sched: [], ms: [], rss1: [], rssAfter: [], reqCpu: [] } };
const bins = { A: binA, B: binB };
const loads = [];
// Page both builds in once.
for (const k of ['A', 'B']) await (await launch(bins[k], tempDataDir('warm'))).stop();
for (let r = 0; r < rounds; r++) {
  loads.push(os.loadavg()[0].toFixed(2));
  for (const k of r % 2 ? ['B', 'A'] : ['A', 'B']) {
    for (let i = 0; i < starts; i++) {
      const dir = tempDataDir('empty');
      if (populatedStarts) fs.cpSync(pop.dataDir, dir, { recursive: true });
      const s = await launch(bins[k], dir);
      res[k].cpu.push(s.cpuMs);
      res[k].sched.push(s.schedMs);
      res[k].ms.push(s.ms);
      await s.stop();
    }
    if (!browseToo) continue;
    const dir = tempDataDir('pop');
    fs.cpSync(pop.dataDir, dir, { recursive: true });
    const s = await launch(bins[k], dir);
    try {
      await sleep(1000);
      res[k].rss1.push(s.stats().rssMb);
      const sess = await session(s.url);
      const cpu0 = s.stats().cpuMs;
      const failures = await browse(s.url, sess.headers, 1000);
      res[k].reqCpu.push(s.stats().cpuMs - cpu0);
      if (failures) console.error(`${k}: ${failures} non-200`);
      await sleep(1000);
      res[k].rssAfter.push(s.stats().rssMb);
    } finally {
      await s.stop();
    }
  }
}
loads.push(os.loadavg()[0].toFixed(2));
const f = (a) => (a.length ? `${median(a).toFixed(1)} [${a.map((x) => Math.round(x)).join(' ')}]` : '-');
for (const k of ['A', 'B']) {
  console.log(`${k} ${bins[k]}`);
  console.log(`  start-up CPU at first 200 (${populatedStarts ? 'populated' : 'empty'} DB): ${f(res[k].cpu)} ms`);
  console.log(`  same from schedstat (ns clock):      ${f(res[k].sched)} ms`);
  console.log(`  cold start wall (${populatedStarts ? 'populated' : 'empty'} DB):          ${f(res[k].ms)} ms`);
  console.log(`  RSS 1 s after start (populated):     ${f(res[k].rss1)} MB`);
  console.log(`  RSS 1 s after 1,000 requests:        ${f(res[k].rssAfter)} MB`);
  console.log(`  server CPU for the 1,000 requests:   ${f(res[k].reqCpu)} ms`);
}
console.log(`load (1 min) at each round: ${loads.join(' ')}`);
removeTempDirs();

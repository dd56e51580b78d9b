// 1. Cold start (launch -> first 200 on /health) and idle memory.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { request } from 'undici';
import { session } from '../lib/fixtures.mjs';
import { BENCH_DIR, freePort, procStats, sleep, startServer, startUpstream, tempDataDir } from '../lib/procs.mjs';

// Start-up CPU (utime+stime of the server when its first 200 arrives) is the figure to compare across
// runs: the wall-clock start time moves with whatever else the machine is doing, CPU hardly does.
import { median, round } from '../lib/stats.mjs';

/** The floor: a bare Node HTTP server (the fake upstream) from launch to its first 200, and its CPU then. */
async function bareNodeStart() {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(BENCH_DIR, 'fake-upstream.mjs'), String(port)], { stdio: 'ignore' });
  for (;;) {
    try {
      const r = await request(`http://127.0.0.1:${port}/api/version`, { reset: true });
      await r.body.dump();
      if (r.statusCode === 200) break;
    } catch {
      /* not yet */
    }
    await sleep(2);
  }
  const ms = performance.now() - t0;
  const { cpuMs } = procStats(child.pid);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { ms, cpuMs };
}

/** Launch-to-200 times and the server's CPU at that moment (read right after the 200; it is idle then). */
async function startTimes(runs, dataDirFor) {
  const times = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const srv = await startServer({ dataDir: dataDirFor(i) });
    cpu.push(srv.stats().cpuMs);
    times.push(srv.startMs);
    await srv.stop();
  }
  return { times, cpu };
}

/** 1,000 requests of the kinds a signed-in browser makes while idle-browsing. */
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

export async function run(opts, shared) {
  const runs = opts.quick ? 3 : 10;
  const rows = [];

  await bareNodeStart(); // page the node binary in
  const bareRuns = [];
  for (let i = 0; i < runs; i++) bareRuns.push(await bareNodeStart());
  const bare = bareRuns.map((b) => b.ms);
  const bareMs = median(bare);
  const bareCpuMs = median(bareRuns.map((b) => b.cpuMs));

  await startTimes(1, () => tempDataDir('warm'));
  const emptyRuns = await startTimes(runs, () => tempDataDir('empty'));
  const empty = emptyRuns.times;
  rows.push({ metric: 'cold start, new empty DB (median)', value: round(median(empty), 1), unit: 'ms', direct: round(bareMs, 1), target: '<= 250 ms', ok: median(empty) <= 250 });
  rows.push({ metric: 'start-up CPU at first 200, new empty DB (median)', value: round(median(emptyRuns.cpu), 1), unit: 'ms', direct: round(bareCpuMs, 1) });

  const pop = await shared.populated();
  const populatedRuns = await startTimes(runs, () => pop.dataDir);
  const populated = populatedRuns.times;
  rows.push({
    metric: `cold start, ${pop.users} users + ${pop.chats} chats (median)`,
    value: round(median(populated), 1),
    unit: 'ms',
    direct: round(bareMs, 1),
    target: '<= 250 ms',
    ok: median(populated) <= 250,
  });
  rows.push({ metric: `start-up CPU at first 200, ${pop.users} users + ${pop.chats} chats (median)`, value: round(median(populatedRuns.cpu), 1), unit: 'ms', direct: round(bareCpuMs, 1) });

  // RSS floor: a bare Node HTTP server (the fake upstream) idling.
  const bareProc = await startUpstream();
  await sleep(1000);
  const bareRss = procStats(bareProc.pid).rssMb;
  await bareProc.stop();

  const srv = await startServer({ dataDir: pop.dataDir });
  try {
    // 1 s and 30 s: V8's memory reducer shrinks the heap once the process has been idle for a while.
    const settle = opts.quick ? 5000 : 30_000;
    await sleep(1000);
    const idle = srv.stats();
    await sleep(settle - 1000);
    const idleLater = srv.stats();
    const s = await session(srv.url);
    const failures = await browse(srv.url, s.headers, 1000);
    await sleep(1000);
    const after = srv.stats();
    await sleep(settle - 1000);
    const afterLater = srv.stats();
    const rss = (metric, st, limit, extra = {}) => ({ metric, value: round(st.rssMb, 1), unit: 'MB', direct: round(bareRss, 1), target: `<= ${limit} MB`, ok: st.rssMb <= limit, ...extra });
    rows.push(rss('idle RSS 1 s after start', idle, 70));
    rows.push(rss(`idle RSS ${settle / 1000} s after start`, idleLater, 70));
    const fail = failures ? ` (${failures} non-200)` : '';
    rows.push(rss(`idle RSS 1 s after 1,000 requests${fail}`, after, 90, { note: `peak ${round(after.hwmMb, 1)} MB` }));
    rows.push(rss(`idle RSS ${settle / 1000} s after 1,000 requests`, afterLater, 90));
    // The same with V8's young generation capped (it grows to 3 x 16 MB under request garbage by default).
    const capped = await startServer({ dataDir: pop.dataDir, nodeArgs: ['--max-semi-space-size=2'] });
    let cappedAfter;
    try {
      await sleep(settle);
      const cIdle = capped.stats();
      const cs = await session(capped.url);
      await browse(capped.url, cs.headers, 1000);
      await sleep(settle);
      cappedAfter = { idle: cIdle, after: capped.stats() };
    } finally {
      await capped.stop();
    }
    rows.push({
      metric: `idle RSS ${settle / 1000} s after 1,000 requests, node --max-semi-space-size=2`,
      value: round(cappedAfter.after.rssMb, 1),
      unit: 'MB',
      direct: round(bareRss, 1),
      target: '<= 90 MB',
      ok: cappedAfter.after.rssMb <= 90,
      note: `${settle / 1000} s after start ${round(cappedAfter.idle.rssMb, 1)} MB (NODE_OPTIONS=--max-semi-space-size=2)`,
    });
    return { rows, data: { cappedSemiSpace: cappedAfter, bareNodeMs: bare, bareNodeCpuMs: bareRuns.map((b) => b.cpuMs), emptyMs: empty, emptyCpuMs: emptyRuns.cpu, populatedMs: populated, populatedCpuMs: populatedRuns.cpu, idle, after, idleLater, afterLater, browseFailures: failures, bareRssMb: bareRss, dbSizeMb: pop.dbSizeMb } };
  } finally {
    await srv.stop();
  }
}

#!/usr/bin/env node
// `npm run bench [-- <scenario>...] [--quick] [--duration=SECONDS] [--streams=N] [--interval=MS] [--no-build] [--cpu-prof] [--pg]`
// --pg (bigchat): the server on a new PostgreSQL database on BENCH_PG_URL (default: the local server,
// postgres://postgres:postgres@127.0.0.1:5432/postgres), dropped afterwards.
// --cpu-prof writes a V8 CPU profile of every server process to bench/results/profiles/.
// Scenarios: startup proxy streaming concurrency bigchat documents signin-flood socketio cluster (default: all, in that order).
// Prints one table and writes every raw number to bench/results/<timestamp>.json.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { populatedDataDir } from './lib/fixtures.mjs';
import { BENCH_DIR, buildServer, removeTempDirs, setServerNodeArgs } from './lib/procs.mjs';

const ALL = ['startup', 'proxy', 'streaming', 'concurrency', 'bigchat', 'documents', 'signin-flood', 'socketio', 'cluster'];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    streams: { type: 'string' },
    interval: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    pg: { type: 'boolean', default: false },
  },
});
const unknown = positionals.filter((p) => !ALL.includes(p));
if (unknown.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; choose from ${ALL.join(', ')}`);
  process.exit(2);
}
const scenarios = positionals.length ? ALL.filter((s) => positionals.includes(s)) : ALL;
const opts = {
  quick: values.quick,
  durationS: Number(values.duration ?? (values.quick ? 10 : 60)),
  streams: Number(values.streams ?? 1000),
  // Milliseconds between tokens of one concurrency-scenario stream.
  intervalMs: Number(values.interval ?? 100),
  // PostgreSQL server URL for the scenarios that support it (bigchat); `--pg` alone takes the local one.
  pgUrl: values.pg ? process.env.BENCH_PG_URL || 'postgres://postgres:postgres@127.0.0.1:5432/postgres' : undefined,
};

// The populated database is built once per run and shared by the scenarios that need it.
const POP = { users: 1000, chats: 10000 };
let populated;
const shared = {
  populated: () => (populated ??= populatedDataDir(POP).then((p) => ({ ...p, ...POP }))),
};

function commit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: BENCH_DIR, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../server/src', '../contracts/src'], { cwd: BENCH_DIR, encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted server changes` : head;
  } catch {
    return 'unknown';
  }
}

function machine() {
  const cpu = os.cpus();
  return {
    cpuModel: cpu[0]?.model,
    nproc: cpu.length,
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    loadavg: os.loadavg(),
  };
}

function printTable(rows) {
  const cols = ['scenario', 'metric', 'value', 'direct', 'ratio', 'target', 'ok', 'note'];
  const cell = (r, c) => {
    const v = r[c];
    if (c === 'value' || c === 'direct') return v === undefined ? '' : `${v}${r.unit ? ` ${r.unit}` : ''}`;
    if (c === 'ok') return v === undefined ? '' : v ? 'yes' : 'NO';
    return v === undefined ? '' : String(v);
  };
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (vals) => vals.map((v, i) => v.padEnd(width[i])).join(' | ');
  console.log(line(cols));
  console.log(width.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(cols.map((c) => cell(r, c))));
}

if (!values['no-build']) buildServer();
if (values['cpu-prof']) setServerNodeArgs(['--cpu-prof', `--cpu-prof-dir=${path.join(BENCH_DIR, 'results', 'profiles')}`]);
const started = new Date();
const results = { date: started.toISOString(), commit: commit(), machine: machine(), options: opts, scenarios: {} };
const rows = [];
let failed = false;
for (const name of scenarios) {
  const t0 = performance.now();
  process.stderr.write(`running ${name}...\n`);
  try {
    const mod = await import(`./scenarios/${name}.mjs`);
    const out = await mod.run(opts, shared);
    for (const r of out.rows) {
      if (r.ratio === undefined && typeof r.value === 'number' && typeof r.direct === 'number' && r.direct > 0) r.ratio = `${(r.value / r.direct).toFixed(2)}x`;
      rows.push({ scenario: name, ...r });
    }
    results.scenarios[name] = { seconds: (performance.now() - t0) / 1000, rows: out.rows, data: out.data };
  } catch (err) {
    failed = true;
    console.error(`${name} failed: ${err.stack ?? err}`);
    rows.push({ scenario: name, metric: 'FAILED', note: String(err.message ?? err).split('\n')[0].slice(0, 120) });
    results.scenarios[name] = { error: String(err.stack ?? err) };
  }
  process.stderr.write(`${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

console.log(`\n${results.machine.cpuModel}, ${results.machine.nproc} CPUs, ${results.machine.memoryGb} GB, Node ${results.machine.node}, commit ${results.commit}, load before ${results.machine.loadavg.map((x) => x.toFixed(2)).join(' ')}`);
printTable(rows);
const dir = path.join(BENCH_DIR, 'results');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify(results, (k, v) => (v instanceof Float64Array ? undefined : v), 2));
console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
removeTempDirs();
process.exit(failed ? 1 : 0);

// Child processes under test: the built server and the fake upstream, plus what Linux says about them.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH_DIR = path.join(ROOT, 'bench');
// BENCH_SERVER_BIN runs another build of the server (A/B comparisons of a change).
const SERVER_BIN = process.env.BENCH_SERVER_BIN ? path.resolve(process.env.BENCH_SERVER_BIN) : path.join(ROOT, 'server', 'bin', 'open-webui.mjs');
const CLK_TCK = 100; // USER_HZ; 100 on every mainstream Linux build
/** The servers' WEBUI_SECRET_KEY (scenarios that need many accounts sign their tokens with it). */
export const BENCH_SECRET = 'bench-secret-key-bench-secret-key';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every child we start, so none outlives the bench when a scenario fails halfway.
const children = new Set();
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(130));

/** Builds the server bundle; on failure (others' half-written sources) keeps the existing bundle. */
export function buildServer() {
  const r = spawnSync('npm', ['run', 'build', '-w', 'server'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) {
    if (!fs.existsSync(path.join(ROOT, 'server', 'dist', 'server.cjs'))) throw new Error(`server build failed:\n${r.stderr}`);
    console.error('warning: server build failed; benchmarking the existing server/dist/server.cjs');
  }
}

/** utime+stime in ms, VmRSS and VmHWM in MB, of a live process. */
/** On-CPU ns of every live thread of `pid` from /proc/<pid>/task/<tid>/schedstat (finer than the 10 ms ticks of /proc/<pid>/stat). */
export function schedNs(pid) {
  let ns = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      /* thread ended */
    }
  }
  return ns;
}

export function procStats(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" that closes the command name; utime and stime are fields 14 and 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { cpuMs, rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

function readyLine(child, pattern, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no "${pattern}" within ${timeoutMs} ms: ${buf}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      buf += d;
      const m = pattern.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${buf}`)));
  });
}

/** The fake upstream in its own process; `configure()` changes the shape of its replies. */
export async function startUpstream() {
  const child = track(spawn(process.execPath, [path.join(BENCH_DIR, 'fake-upstream.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const m = await readyLine(child, /listening (\d+)/, 10_000);
  const url = `http://127.0.0.1:${m[1]}`;
  return {
    url,
    pid: child.pid,
    async configure(cfg) {
      const r = await request(`${url}/_bench/config`, { method: 'POST', body: JSON.stringify(cfg) });
      return r.body.json();
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    },
  };
}

export function freePort() {
  return new Promise((resolve) => {
    import('node:net').then(({ default: net }) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
  });
}

const tempDirs = [];
export function tempDataDir(tag) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `owui-bench-${tag}-`));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs() {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/**
 * Launches `open-webui serve` and resolves once /health answers 200, with the launch-to-200 time.
 * `nodeArgs` go to node itself (e.g. --cpu-prof); `bin` is another build's bin (A/B runs).
 */
let defaultNodeArgs = [];
/** Node flags for every server started from now on (e.g. --cpu-prof from `npm run bench -- --cpu-prof`). */
export function setServerNodeArgs(args) {
  defaultNodeArgs = args;
}

export async function startServer(opts) {
  // Scenarios start servers in parallel; two may be handed the same free port. Retry on that.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchServer(opts);
    } catch (err) {
      if (attempt >= 3 || !/already in use/.test(String(err.message))) throw err;
    }
  }
}

async function launchServer({ dataDir, upstreamUrl = 'http://127.0.0.1:9', env = {}, nodeArgs = defaultNodeArgs, bin = SERVER_BIN }) {
  const port = await freePort();
  const t0 = performance.now();
  const child = track(spawn(process.execPath, [...nodeArgs, bin, 'serve'], {
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      WEBUI_SECRET_KEY: BENCH_SECRET,
      OLLAMA_BASE_URL: upstreamUrl,
      OPENAI_API_BASE_URL: `${upstreamUrl}/v1`,
      OPENAI_API_KEY: 'sk-bench',
      GLOBAL_LOG_LEVEL: 'error',
      PUBLIC_RATE_LIMIT_PER_MINUTE: '0',
      ...env,
    },
  }));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  child.stdout.resume();
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited) throw new Error(`server exited during start-up:\n${stderr}`);
    if (performance.now() - t0 > 30_000) throw new Error(`server did not answer /health within 30 s:\n${stderr}`);
    try {
      const r = await request(`${url}/health`, { reset: true });
      await r.body.dump();
      if (r.statusCode === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(2);
  }
  const startMs = performance.now() - t0;
  return {
    url,
    pid: child.pid,
    startMs,
    stats: () => procStats(child.pid),
    stderr: () => stderr,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const done = new Promise((r) => child.once('exit', r));
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(t);
    },
  };
}

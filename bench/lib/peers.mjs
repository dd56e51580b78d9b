// The peers measured beside our server in the same run: Portkey's open-source gateway (the Node peer,
// `@portkey-ai/gateway` from npm, a dev dependency of this workspace), nginx (Debian's, a plain
// reverse proxy: the floor for any HTTP proxy) and the Node floor (`node-floor.mjs`: the floor for a
// proxy written for Node). All forward to the same fake upstream. Each handle has `cpuMs()` summing
// utime+stime of every process of the peer (nginx: master and workers).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { freePort, procStats, sleep, tempDataDir } from './procs.mjs';

const NGINX_BIN = process.env.BENCH_NGINX_BIN ?? '/usr/sbin/nginx';

const live = new Set();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function childrenOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** utime+stime (ms) of a process and its direct children (nginx workers). */
function treeCpuMs(pid) {
  let sum = 0;
  for (const p of [pid, ...childrenOf(pid)]) {
    try {
      sum += procStats(p).cpuMs;
    } catch {
      /* a worker that just exited */
    }
  }
  return sum;
}

function treeRssMb(pid) {
  let sum = 0;
  for (const p of [pid, ...childrenOf(pid)]) {
    try {
      sum += procStats(p).rssMb;
    } catch {
      /* gone */
    }
  }
  return sum;
}

async function waitHttp(url, child, what) {
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (performance.now() - t0 > 20_000) throw new Error(`${what} did not answer within 20 s`);
    try {
      const r = await request(url, { reset: true });
      await r.body.dump();
      return performance.now() - t0;
    } catch {
      await sleep(5);
    }
  }
}

function handle(name, child, url, startMs, extra = {}) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return {
    name,
    url,
    pid: child.pid,
    startMs,
    cpuMs: () => treeCpuMs(child.pid),
    rssMb: () => treeRssMb(child.pid),
    ...extra,
    async stop() {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await done;
      clearTimeout(t);
    },
  };
}

/** Portkey's gateway on a loopback port; requests name the upstream with x-portkey-custom-host. */
export async function startPortkey(upstreamUrl) {
  const require = createRequire(import.meta.url);
  let bin;
  try {
    bin = path.join(path.dirname(require.resolve('@portkey-ai/gateway/package.json')), 'build', 'start-server.js');
  } catch {
    return undefined; // not installed: the rows are left out
  }
  const port = await freePort();
  const t0 = performance.now();
  // The gateway listens on all interfaces (no host option); the load only ever goes to loopback.
  const child = spawn(process.execPath, [bin, `--port=${port}`, '--headless'], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/`, child, 'portkey');
  const headers = {
    'x-portkey-provider': 'openai',
    'x-portkey-custom-host': `${upstreamUrl}/v1`,
    authorization: 'Bearer sk-bench',
  };
  return handle('Portkey gateway', child, url, performance.now() - t0, { headers, path: '/v1/chat/completions' });
}

/**
 * Writes an nginx config into a temp dir (one `http` block: no access log, temp paths inside the dir,
 * long keep-alive) around `httpBody`, starts nginx on it in the foreground and waits for `probePath`.
 */
async function runNginx(tag, { workers, connections, httpBody, probePath }) {
  const dir = tempDataDir(tag);
  const port = await freePort();
  const conf = `
daemon off;
master_process on;
worker_processes ${workers};
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
events { worker_connections ${connections}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
${httpBody(port)}
}
`;
  const confPath = path.join(dir, 'nginx.conf');
  fs.writeFileSync(confPath, conf);
  const t0 = performance.now();
  const child = spawn(NGINX_BIN, ['-p', dir, '-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${url}${probePath}`, child, 'nginx');
  } catch (err) {
    throw new Error(`${err.message}: ${stderr}`);
  }
  return { child, url, startMs: performance.now() - t0 };
}

/** nginx as a plain keep-alive reverse proxy, one worker (the Node peers are one process too). */
export async function startNginx(upstreamUrl) {
  if (!fs.existsSync(NGINX_BIN)) return undefined;
  const up = new URL(upstreamUrl);
  const httpBody = (port) => `
  upstream fake { server ${up.hostname}:${up.port}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    client_body_buffer_size 1m;
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }`;
  const { child, url, startMs } = await runNginx('nginx', { workers: 1, connections: 4096, httpBody, probePath: '/api/version' });
  return handle('nginx', child, url, startMs, { headers: { authorization: 'Bearer sk-bench' }, path: '/v1/chat/completions' });
}

/**
 * nginx as the load balancer of a deployment: round-robin over `urls` (no stickiness), keep-alive to
 * each, WebSocket upgrades passed on (Socket.IO), the answering instance in `x-upstream`. Null when
 * nginx is not installed.
 */
export async function startNginxBalancer(urls, { workers = 1 } = {}) {
  if (!fs.existsSync(NGINX_BIN)) return null;
  const servers = urls.map((u) => `server ${new URL(u).host};`).join(' ');
  const httpBody = (port) => `
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  upstream owui { ${servers} keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 20m;
    location / {
      proxy_pass http://owui;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_read_timeout 300s;
      proxy_buffering off;
      add_header x-upstream $upstream_addr always;
    }
  }`;
  const { child, url, startMs } = await runNginx('nginx-lb', { workers, connections: 8192, httpBody, probePath: '/health' });
  return handle(`nginx -> ${urls.length} instance(s)`, child, url, startMs);
}

const FLOOR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node-floor.mjs');

/** The Node floor relay (`node-floor.mjs`) on a loopback port: same paths as ours, no auth. */
export async function startNodeFloor(upstreamUrl) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [FLOOR, upstreamUrl, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/`, child, 'node floor');
  return handle('Node floor (bare node:http + undici)', child, url, performance.now() - t0, { headers: {}, path: '/openai/chat/completions' });
}

/** Starts whichever peers are available; a peer that fails to start is reported, not fatal. */
export async function startPeers(upstreamUrl) {
  const out = [];
  for (const start of [startNodeFloor, startPortkey, startNginx]) {
    try {
      const p = await start(upstreamUrl);
      if (p) out.push(p);
    } catch (err) {
      console.error(`warning: peer not measured: ${err.message}`);
    }
  }
  return out;
}

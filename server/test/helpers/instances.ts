import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Real, separate server processes for scale-out tests: the server is bundled once (like `npm run build`)
 * into server/node_modules/.cache so its npm dependencies resolve, then each instance is `node` running
 * `open-webui serve` with its own environment and port.
 */
const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT_DIR = path.join(SERVER_DIR, 'node_modules', '.cache', 'owui-instances');

let built: Promise<string> | null = null;
export function buildServerOnce(): Promise<string> {
  built ??= (async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(SERVER_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const external = Object.keys(pkg.dependencies).filter((d) => !d.startsWith('@owui/'));
    // Bundles of earlier runs (a worker killed before its exit hook ran) are swept here.
    for (const old of fs.existsSync(OUT_DIR) ? fs.readdirSync(OUT_DIR) : []) {
      const p = path.join(OUT_DIR, old);
      if (Date.now() - fs.statSync(p).mtimeMs > 3_600_000) fs.rmSync(p, { recursive: true, force: true });
    }
    const dir = path.join(OUT_DIR, `${process.pid}-${Date.now()}`);
    await build({
      entryPoints: [path.join(SERVER_DIR, 'src/server.ts')],
      outfile: path.join(dir, 'server.js'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: external.flatMap((d) => [d, `${d}/*`]),
      logLevel: 'warning',
    });
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const entry = path.join(dir, 'run.mjs');
    fs.writeFileSync(entry, "import { main } from './server.js';\nawait main();\n");
    return entry;
  })();
  return built;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Instance {
  name: string;
  url: string;
  port: number;
  proc: ChildProcess;
  output(): string;
  /** SIGKILL: the process dies mid-whatever, like a crashed container. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const entry = await buildServerOnce();
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `owui-${name}-`));
  let out = '';
  const proc = spawn(process.execPath, [entry, 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), GLOBAL_LOG_LEVEL: 'warning', DATA_DIR: dataDir, FRONTEND_BUILD_DIR: path.join(dataDir, 'none'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`instance ${name} exited during start-up:\n${out}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`instance ${name} did not become healthy:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const end = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { name, url, port, proc, output: () => out, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

/** The nginx block of docs/scaling.md, pointed at `upstreams` and listening on loopback `port`. */
function balancerBlock(upstreams: string[], port: number): string {
  const doc = fs.readFileSync(path.join(SERVER_DIR, '..', 'docs', 'scaling.md'), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/scaling.md has no nginx block');
  const servers = upstreams.map((u) => `    server ${u.replace(/^https?:\/\//, '')} max_fails=3 fail_timeout=10s;`).join('\n');
  return block
    .replace(/(    server \S+:\d+[^\n]*\n)+/, `${servers}\n`)
    .replace(/listen \d+;/, `listen 127.0.0.1:${port};`)
    .replace(/server_name [^;]+;/, 'server_name localhost;');
}

/**
 * nginx as a round-robin balancer in front of `upstreams` (no sticky sessions), with the config that
 * docs/scaling.md shows. Returns null when nginx is not installed.
 */
export async function startNginx(upstreams: string[]): Promise<{ url: string; stop(): Promise<void> } | null> {
  const bin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));
  if (!bin) return null;
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-nginx-'));
  const conf = `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  ${balancerBlock(upstreams, port)}
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const proc = spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await fetch(`${url}/health`).then((r) => r.ok, () => false))) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start: ${out} ${fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, 'utf8') : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      const exited = new Promise((r) => proc.once('exit', r));
      if (proc.exitCode === null) proc.kill('SIGQUIT');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

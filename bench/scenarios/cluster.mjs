// 9. Scale-out: two server processes on one PostgreSQL database and one Redis (`REDIS_URL`,
// `WEBSOCKET_MANAGER=redis`), behind nginx round-robin with no sticky sessions, against one instance
// behind the same kind of nginx. Two nginx processes run side by side (one upstream block each) so
// the one- and two-instance loads can alternate and load drift hits both alike.
//
// Checks first (no sticky sessions needed): a token made on instance A works on B; a Socket.IO client
// connected through nginx receives, complete, the replies of two socket-mode completions that nginx
// sent one to each instance (`x-upstream` says which), so one of them ran on the instance the socket
// is not connected to (the Redis adapter carried its events); both are stored complete.
// Then throughput and CPU per request (instances + nginx), and the cores each process used: on 2 cores
// two instances cannot double the throughput; the cores show what bounds it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { request } from 'undici';
import { session } from '../lib/fixtures.mjs';
import { runLoad } from '../lib/load.mjs';
import { startNginxBalancer } from '../lib/peers.mjs';
import { connectSocket, newChat, socketReply, storedMessage } from '../lib/realtime.mjs';
import { procStats, startServer, startUpstream, tempDataDir } from '../lib/procs.mjs';
import { median, round } from '../lib/stats.mjs';
import { freshPgDatabase } from '../lib/pg-database.mjs';

const PG_ADMIN = process.env.BENCH_PG_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MESSAGES = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Say hello in twenty tokens.' },
];

/** utime+stime (ms) of every process with this command name (PostgreSQL backends, redis-server). */
function cpuOfCommand(comm) {
  let sum = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm) sum += procStats(pid).cpuMs;
    } catch {
      /* exited meanwhile */
    }
  }
  return sum;
}

const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function get(url, headers) {
  const r = await request(url, { headers });
  const text = await r.body.text();
  return { status: r.statusCode, upstream: r.headers['x-upstream'], text };
}

/** No sticky sessions: a session across instances, and socket events across instances. */
async function checks({ a, b, lb, admin }) {
  const out = {};
  const onB = await get(`${b.url}/api/v1/auths/`, admin.headers);
  out.sessionOnOther = onB.status === 200 && JSON.parse(onB.text).id === admin.userId;
  const served = new Set();
  let ok = 0;
  for (let i = 0; i < 6; i++) {
    const r = await get(`${lb.url}/api/v1/auths/`, admin.headers);
    served.add(r.upstream);
    if (r.status === 200) ok++;
  }
  out.roundRobin = { ok, of: 6, instances: [...served] };

  const sock = await connectSocket(lb.url, admin.token);
  try {
    const replies = [];
    for (let i = 0; i < 2; i++) {
      const chatId = await newChat(lb.url, admin.headers);
      let servedBy;
      const r = await socketReply({ origin: lb.url, headers: admin.headers, sock, chatId, body: { model: 'bench-gpt', messages: MESSAGES }, onPosted: (res) => (servedBy = res.headers['x-upstream']) });
      const msg = await storedMessage(lb.url, admin.headers, chatId, r.messageId);
      replies.push({ servedBy, events: r.contentEvents, complete: !r.error && r.content === 'tok '.repeat(20) && msg?.content === r.content && msg?.done === true });
    }
    out.replies = replies;
    out.socketCrossInstance = new Set(replies.map((r) => r.servedBy)).size === 2 && replies.every((r) => r.complete);
  } finally {
    sock.close();
  }
  return out;
}

/**
 * Socket-delivered replies through nginx with the Redis adapter (Ollama model, translated, as in the
 * socketio scenario's part 1): 500 chunks 1 ms apart, the socket on
 * whichever instance nginx chose and the tasks alternating between both (every emit is published to
 * Redis and sent by the instance holding the socket). CPU of both instances and Redis per 1,000
 * chunks, fixed per-reply cost included (it is ~1 % of a 500-chunk reply on one instance).
 */
async function socketStream({ lb, instances, upstream, admin, rows, replies }) {
  const size = 500;
  await upstream.configure({ chunks: size, delayMs: 1, token: 'tok ', stamp: false, yieldEvery: 1 });
  const sock = await connectSocket(lb.url, admin.token);
  try {
    const chats = [];
    for (let i = 0; i < replies + 2; i++) chats.push(await newChat(lb.url, admin.headers));
    const one = async (chatId) => {
      const r = await socketReply({ origin: lb.url, headers: admin.headers, sock, chatId, body: { model: 'bench-llama:latest', messages: MESSAGES } });
      if (r.error || r.contentEvents !== size) throw new Error(`socket reply via Redis: ${r.contentEvents}/${size} content events, error ${JSON.stringify(r.error)}`);
    };
    for (const c of chats.slice(0, 2)) await one(c); // warm-up, one on each instance
    const before = { inst: instances.map((i) => i.stats().cpuMs), redis: cpuOfCommand('redis-server'), up: procStats(upstream.pid).cpuMs };
    for (const c of chats.slice(2)) await one(c);
    const inst = instances.map((i, k) => i.stats().cpuMs - before.inst[k]);
    const chunks = replies * size;
    const perK = (ms) => round((ms * 1000) / chunks, 1);
    const out = { instances: inst.map(perK), redis: perK(cpuOfCommand('redis-server') - before.redis), upstream: perK(procStats(upstream.pid).cpuMs - before.up) };
    rows.push({
      metric: `socket-delivered replies via the Redis adapter (original UI handshake): CPU per 1,000 chunks, ${size}-chunk replies`,
      value: round(out.instances[0] + out.instances[1], 1),
      unit: 'ms',
      direct: out.upstream,
      ratio: '',
      note: `${replies} replies; instances ${out.instances.join(' + ')} ms, redis-server ${out.redis} ms per 1,000 chunks (one instance on SQLite: the socketio scenario's figure)`,
    });
    return out;
  } finally {
    sock.close();
  }
}

export async function run(opts) {
  const upstream = await startUpstream();
  await upstream.configure({ chunks: 20, delayMs: 0, token: 'tok ', stamp: false });
  const db = await freshPgDatabase(PG_ADMIN);
  // A key prefix of its own: the Redis is shared with the test suites.
  const env = { DATABASE_URL: db.url, REDIS_URL: REDIS, WEBSOCKET_MANAGER: 'redis', REDIS_KEY_PREFIX: `owui-bench-${randomBytes(4).toString('hex')}` };
  const instances = [];
  const balancers = [];
  const rows = [];
  try {
    // One after the other: the first runs the migrations.
    instances.push(await startServer({ dataDir: tempDataDir('cluster-a'), upstreamUrl: upstream.url, env }));
    instances.push(await startServer({ dataDir: tempDataDir('cluster-b'), upstreamUrl: upstream.url, env }));
    const [a, b] = instances;
    const lb1 = await startNginxBalancer([a.url]);
    if (!lb1) throw new Error('nginx not installed (/usr/sbin/nginx or BENCH_NGINX_BIN)');
    balancers.push(lb1);
    const lb2 = await startNginxBalancer([a.url, b.url]);
    balancers.push(lb2);
    const admin = await session(a.url);

    const c = await checks({ a, b, lb: lb2, admin });
    rows.push({ metric: 'session made on instance A accepted by B', value: c.sessionOnOther ? 'yes' : 'no', target: 'yes', ok: c.sessionOnOther });
    rows.push({ metric: 'requests through nginx round-robin, no stickiness', value: `${c.roundRobin.ok} / ${c.roundRobin.of}`, target: '6 / 6', ok: c.roundRobin.ok === 6 && c.roundRobin.instances.length === 2, note: `served by ${c.roundRobin.instances.join(', ')}` });
    rows.push({
      metric: 'socket through nginx gets the events of a completion that nginx sent to the other instance',
      value: c.socketCrossInstance ? 'yes' : 'no',
      target: 'yes',
      ok: c.socketCrossInstance,
      note: c.replies.map((r) => `POST served by ${r.servedBy}: ${r.events} content events, stored complete ${r.complete}`).join('; '),
    });

    const n = opts.quick ? 2000 : 5000;
    const reps = opts.quick ? 1 : 3;
    const loads = [
      { name: 'non-streamed chat completions (/api/chat/completions, OpenAI model, 20 tokens)', path: '/api/chat/completions', method: 'POST', body: { model: 'bench-gpt', messages: MESSAGES, stream: false } },
      { name: 'mixed browser load (/api/config, /api/v1/auths/, /api/v1/chats/?page=1)', paths: ['/api/config', '/api/v1/auths/', '/api/v1/chats/?page=1'] },
    ];
    const setups = [
      { name: 'one instance', lb: lb1, procs: [a] },
      { name: 'two instances', lb: lb2, procs: [a, b] },
    ];
    const data = { checks: c, loads: {} };
    for (const load of loads) {
      // Both instances JIT-warm on this load first, straight to each (else the first repetition of each
      // setup pays the other's warm-up).
      for (const i of instances) await runLoad({ origin: i.url, path: load.path, paths: load.paths, method: load.method, headers: admin.headers, body: load.body, total: n / 2, concurrency: 16, warmup: 0 });
      const res = new Map(setups.map((s) => [s, []]));
      for (let r = 0; r < reps; r++) {
        for (const s of setups) {
          const before = { inst: instances.map((i) => i.stats().cpuMs), lb: s.lb.cpuMs(), up: procStats(upstream.pid).cpuMs, pg: cpuOfCommand('postgres'), redis: cpuOfCommand('redis-server'), me: ownCpuMs() };
          const t0 = performance.now();
          const out = await runLoad({ origin: s.lb.url, path: load.path, paths: load.paths, method: load.method, headers: admin.headers, body: load.body, total: n, concurrency: 64, warmup: 640 });
          // The probes span the warm-up too; cores are over the same span.
          const sec = (performance.now() - t0) / 1000;
          const inst = instances.map((i, k) => i.stats().cpuMs - before.inst[k]);
          const total = n + 640;
          res.get(s).push({
            rps: out.rps,
            failures: out.failures,
            firstFailure: out.firstFailure,
            p50: out.p50,
            p99: out.p99,
            cpuPerKInstances: ((inst[0] + inst[1]) * 1000) / total,
            cpuPerKNginx: ((s.lb.cpuMs() - before.lb) * 1000) / total,
            cores: {
              a: round(inst[0] / 1000 / sec, 2),
              b: round(inst[1] / 1000 / sec, 2),
              nginx: round((s.lb.cpuMs() - before.lb) / 1000 / sec, 2),
              upstream: round((procStats(upstream.pid).cpuMs - before.up) / 1000 / sec, 2),
              postgres: round((cpuOfCommand('postgres') - before.pg) / 1000 / sec, 2),
              redis: round((cpuOfCommand('redis-server') - before.redis) / 1000 / sec, 2),
              client: round((ownCpuMs() - before.me) / 1000 / sec, 2),
            },
          });
        }
      }
      const fig = (s) => {
        const runs = res.get(s);
        const m = (k) => median(runs.map((x) => x[k]));
        // Cores: the mean over the repetitions, per process.
        const cores = Object.fromEntries(Object.keys(runs[0].cores).map((k) => [k, round(runs.reduce((x, y) => x + y.cores[k], 0) / runs.length, 2)]));
        return { rps: m('rps'), p50: m('p50'), p99: m('p99'), cpuK: m('cpuPerKInstances'), nginxK: m('cpuPerKNginx'), failures: runs.reduce((x, y) => x + y.failures, 0), firstFailure: runs.find((x) => x.firstFailure)?.firstFailure, cores };
      };
      const one = fig(setups[0]);
      const two = fig(setups[1]);
      for (const [s, f] of [[setups[0], one], [setups[1], two]]) {
        const cores = Object.entries(f.cores).map(([k, v]) => `${k} ${v}`).join(', ');
        rows.push({
          metric: `${load.name}, ${s.name}: throughput c=64`,
          value: Math.round(f.rps),
          unit: 'req/s',
          direct: s === setups[1] ? Math.round(one.rps) : undefined,
          ratio: s === setups[1] ? `${(two.rps / one.rps).toFixed(2)}x one` : '',
          note: `p50 ${round(f.p50, 2)} / p99 ${round(f.p99, 2)} ms; cores used: ${cores}${f.failures ? `; ${f.failures} failures: ${f.firstFailure}` : ''}`,
        });
        rows.push({
          metric: `${load.name}, ${s.name}: server CPU per 1,000 requests (instances summed)`,
          value: round(f.cpuK, 1),
          unit: 'ms',
          direct: s === setups[1] ? round(one.cpuK, 1) : undefined,
          ratio: s === setups[1] ? `${(two.cpuK / one.cpuK).toFixed(2)}x one` : '',
          note: `nginx ${round(f.nginxK, 1)} ms per 1,000`,
        });
      }
      data.loads[load.name] = { one: res.get(setups[0]), two: res.get(setups[1]) };
    }
    data.socketStream = await socketStream({ lb: lb2, instances, upstream, admin, rows, replies: opts.quick ? 4 : 10 });
    return { rows, data };
  } finally {
    for (const l of balancers) await l.stop();
    for (const i of instances) await i.stop();
    await upstream.stop();
    await db.drop().catch((err) => console.error(`warning: could not drop the bench database: ${err.message}`));
  }
}

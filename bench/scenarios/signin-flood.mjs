// 6. Sign-in flood (issue 12): /health p99 and chat first-byte p99 while wrong-password sign-ins arrive
// at 30/s for the whole phase, next to the same probes on a quiet server. Each flood request comes from
// its own client address (X-Forwarded-For from a trusted proxy), the worst case for the lockout: no
// attempt is refused early, every one costs a bcrypt comparison. Targets: health p99 < 50 ms, chat
// first-byte p99 within 2x of the quiet run. Not a timed test: numbers go into the bench table.
import { Pool, request } from 'undici';
import { session } from '../lib/fixtures.mjs';
import { startServer, startUpstream, tempDataDir, sleep } from '../lib/procs.mjs';
import { percentile, round } from '../lib/stats.mjs';

const CHAT = { model: 'bench-llama:latest', messages: [{ role: 'user', content: 'hello' }], stream: true };
const FLOOD_PER_S = 30;
const HEALTH_EVERY_MS = 100;
const CHAT_EVERY_MS = 250;

/** Calls `fn` every `ms` until `until` (each call awaited, so a slow server slows the probe too). */
async function every(ms, until, fn) {
  const out = [];
  while (performance.now() < until) {
    const t = performance.now();
    out.push(await fn());
    const left = ms - (performance.now() - t);
    if (left > 0) await sleep(left);
  }
  return out;
}

async function phase(srv, auth, seconds, flood) {
  const until = performance.now() + seconds * 1000;
  const health = new Pool(srv.url, { connections: 1 });
  const chat = new Pool(srv.url, { connections: 1, bodyTimeout: 0 });
  const attacker = new Pool(srv.url, { connections: 16 });
  let sent = 0;
  let refused = 0;
  const floodLoop = async () => {
    if (!flood) return;
    const inFlight = new Set();
    const start = performance.now();
    while (performance.now() < until) {
      // Open-loop: the attacker does not wait for answers (capped so the client itself stays sane).
      const due = Math.floor(((performance.now() - start) / 1000) * FLOOD_PER_S);
      while (sent < due && inFlight.size < 2000) {
        sent++;
        const ip = `10.${(sent >> 16) & 255}.${(sent >> 8) & 255}.${sent & 255}`;
        const p = attacker
          .request({ path: '/api/v1/auths/signin', method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ email: `victim${sent % 50}@example.com`, password: `wrong-${sent}` }) })
          .then((r) => {
            if (r.statusCode === 429) refused++;
            return r.body.dump();
          })
          .catch(() => undefined)
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await sleep(5);
    }
    await Promise.all(inFlight);
  };
  const healthLoop = every(HEALTH_EVERY_MS, until, async () => {
    const t = performance.now();
    try {
      const r = await health.request({ path: '/health', method: 'GET', headersTimeout: 30_000 });
      await r.body.dump();
    } catch {
      return 30_000;
    }
    return performance.now() - t;
  });
  const chatLoop = every(CHAT_EVERY_MS, until, async () => {
    const t = performance.now();
    const r = await chat.request({ path: '/api/chat/completions', method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(CHAT) });
    let first = null;
    for await (const chunk of r.body) if (first === null && chunk.length) first = performance.now() - t;
    return first ?? performance.now() - t;
  });
  const [h, c] = await Promise.all([healthLoop, chatLoop, floodLoop()]);
  await Promise.all([health.close(), chat.close(), attacker.close()]);
  return { health: h, chat: c, signins: sent, refused };
}

export async function run(opts) {
  const seconds = opts.quick ? 10 : 30;
  const upstream = await startUpstream();
  await upstream.configure({ chunks: 20, delayMs: 0, token: 'tok ', stamp: false });
  const srv = await startServer({ dataDir: tempDataDir('signin-flood'), upstreamUrl: upstream.url, env: { FORWARDED_ALLOW_IPS: '127.0.0.1' } });
  try {
    const s = await session(srv.url);
    const quiet = await phase(srv, s.headers, seconds, false);
    const flood = await phase(srv, s.headers, seconds, true);
    const p99 = (xs) => round(percentile(Float64Array.from(xs), 99), 1);
    const rows = [
      { metric: '/health p99, quiet', value: p99(quiet.health), unit: 'ms', target: '< 50 ms', ok: p99(quiet.health) < 50 },
      {
        metric: `/health p99, ${FLOOD_PER_S} wrong sign-ins/s`,
        value: p99(flood.health),
        unit: 'ms',
        direct: p99(quiet.health),
        target: '< 50 ms',
        ok: p99(flood.health) < 50,
        note: `${flood.signins} sign-ins in ${seconds} s, ${flood.refused} refused (429)`,
      },
      { metric: 'chat first byte p99, quiet', value: p99(quiet.chat), unit: 'ms' },
      {
        metric: `chat first byte p99, ${FLOOD_PER_S} wrong sign-ins/s`,
        value: p99(flood.chat),
        unit: 'ms',
        direct: p99(quiet.chat),
        target: '<= 2x quiet',
        ok: p99(flood.chat) <= 2 * p99(quiet.chat),
      },
    ];
    return { rows, data: { seconds, quiet: { ...quiet, health: undefined, chat: undefined }, flood: { ...flood, health: undefined, chat: undefined } } };
  } finally {
    await srv.stop();
    await upstream.stop();
  }
}

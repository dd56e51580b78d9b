// The load generator: closed-loop HTTP clients on keep-alive connections (undici Pool).
import { Pool } from 'undici';
import { percentile } from './stats.mjs';

/**
 * One request on `pool`, its body read; a non-200 or a transport error counts in `tally` (`failures`,
 * the first one's text in `firstFailure`). Resolves with the request's time in ms.
 */
export async function timedRequest(pool, opts, tally) {
  const t = performance.now();
  try {
    const r = await pool.request(opts);
    const text = await r.body.text();
    if (r.statusCode !== 200) {
      tally.failures++;
      tally.firstFailure ??= `${r.statusCode} ${text.slice(0, 200)}`;
    }
  } catch (err) {
    tally.failures++;
    tally.firstFailure ??= String(err);
  }
  return performance.now() - t;
}

/**
 * Runs `total` requests with `concurrency` workers (each on its own connection) after `warmup`
 * unrecorded ones. Returns per-request latencies (ms), throughput and failures. `probe` (optional, e.g.
 * a process's CPU ms) is read after the warm-up and after the last request; `probed` is the difference.
 * `paths` instead of `path`: GET requests cycling through those paths (a browser's mixed load).
 */
export async function runLoad({ origin, path, paths, method = 'POST', headers = {}, body, total, concurrency = 1, warmup = 50, probe }) {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const opts = { path, method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) };
  // `paths` (GET, no body): a mixed load, request i asks for paths[i % paths.length].
  const each = paths ? paths.map((p) => ({ path: p, method: 'GET', headers })) : null;
  let sent = 0;
  const tally = { failures: 0, firstFailure: undefined };
  const once = () => timedRequest(pool, each ? each[sent++ % each.length] : opts, tally);
  const drive = async (count, record) => {
    let next = 0;
    const lat = new Float64Array(count);
    const worker = async () => {
      while (next < count) {
        const i = next++;
        lat[i] = await once();
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    return record ? { lat, seconds: (performance.now() - t0) / 1000 } : undefined;
  };
  await drive(warmup, false);
  tally.failures = 0;
  const p0 = probe?.();
  const { lat, seconds } = await drive(total, true);
  const probed = probe ? probe() - p0 : undefined;
  await pool.close();
  return {
    requests: total,
    failures: tally.failures,
    firstFailure: tally.firstFailure,
    rps: total / seconds,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    latencies: lat,
    probed,
  };
}

/**
 * Opens one streaming request and reads it to the end. `onText` sees each decoded piece of body.
 * Resolves with the status and the body length.
 */
export async function readStream(dispatcher, { path, headers = {}, body }, onText) {
  const r = await dispatcher.request({ path, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  let bytes = 0;
  const decoder = new TextDecoder();
  for await (const chunk of r.body) {
    bytes += chunk.length;
    if (onText) onText(decoder.decode(chunk, { stream: true }));
  }
  return { status: r.statusCode, bytes };
}

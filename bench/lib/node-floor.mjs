// The Node floor: the least any proxy written for Node does per request, run as a peer beside ours.
// A bare `node:http` server that reads the JSON body, parses and re-serialises it (a proxy that maps the
// model or strips fields must), sends it on through an undici Pool with keep-alive, and relays the
// reply: buffered whole when it is JSON, written on chunk by chunk (pausing the upstream on a full
// socket) when it streams. No auth, no routing table, no logging, no validation. Whatever a target
// this floor misses in the same run, no Node proxy meets on this machine.
//
// As a child process: `node node-floor.mjs <upstream-url> <port>`; prints "ready" when listening.
import http from 'node:http';
import { Pool } from 'undici';

const ROUTES = new Map([
  ['/ollama/api/chat', { path: '/api/chat', headers: { 'content-type': 'application/json' } }],
  ['/openai/chat/completions', { path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' } }],
]);
const MAX_BODY = 1 << 20;

function serve(upstreamUrl, port) {
  const pool = new Pool(upstreamUrl, { keepAliveTimeout: 30_000, bodyTimeout: 0 });
  const fail = (res, status, detail) => {
    if (res.headersSent) return res.destroy();
    const text = JSON.stringify({ detail });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
      return res.end('{}');
    }
    const route = ROUTES.get(req.url);
    if (!route || req.method !== 'POST') return fail(res, 404, 'Not Found');
    const parts = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else parts.push(c);
    });
    req.on('end', () => {
      let body;
      try {
        body = JSON.stringify(JSON.parse(Buffer.concat(parts).toString('utf8')));
      } catch {
        return fail(res, 400, 'invalid JSON');
      }
      relay(pool, route, body, res).catch(() => fail(res, 502, 'upstream failed'));
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(port, '127.0.0.1', () => console.log('ready'));
}

async function relay(pool, route, body, res) {
  const up = await pool.request({ path: route.path, method: 'POST', headers: route.headers, body });
  const type = String(up.headers['content-type'] ?? 'application/json');
  if (type.startsWith('application/json')) {
    const text = await up.body.text();
    res.writeHead(up.statusCode, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
    return res.end(text);
  }
  res.writeHead(up.statusCode, { 'content-type': type, 'cache-control': 'no-cache' });
  up.body.on('data', (chunk) => {
    if (!res.write(chunk)) up.body.pause();
  });
  res.on('drain', () => up.body.resume());
  res.on('close', () => up.body.destroy());
  await new Promise((resolve, reject) => {
    up.body.once('end', resolve);
    up.body.once('error', reject);
    up.body.once('close', resolve); // destroyed when the client left
  });
  if (!res.destroyed) res.end();
}

if (process.argv[2]) {
  // A normal exit on a signal, so `--cpu-prof` can write its profile.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
  serve(process.argv[2], Number(process.argv[3]));
}

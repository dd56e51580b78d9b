import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local web server with pages carrying planted facts (the web search tests' "internet"), and a
 * sentinel: a server that must never be reached, counting every connection it gets.
 */
export interface FakePages {
  url: string;
  port: number;
  /** path -> HTML (or `{status, headers, body}`, or 'HANG': headers sent, the body never ends). */
  pages: Map<string, string | { status: number; headers?: Record<string, string>; body?: string }>;
  hits: { path: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function startFakePages(): Promise<FakePages> {
  const fake: FakePages = { url: '', port: 0, pages: new Map(), hits: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    fake.hits.push({ path, headers: req.headers });
    const page = fake.pages.get(path);
    if (page === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    if (page === 'HANG') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.write('<html><body>slow');
    }
    if (typeof page === 'string') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page);
    }
    res.writeHead(page.status, page.headers ?? {});
    res.end(page.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}

export interface Sentinel {
  url: string;
  port: number;
  /** Connections received (must stay 0). */
  connections: number;
  close(): Promise<void>;
}

export async function startSentinel(): Promise<Sentinel> {
  const s: Sentinel = { url: '', port: 0, connections: 0, close: async () => undefined };
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>SENTINEL SECRET: the vault code is 0000</body></html>');
  });
  server.on('connection', () => s.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.port = (server.address() as AddressInfo).port;
  s.url = `http://127.0.0.1:${s.port}`;
  s.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return s;
}

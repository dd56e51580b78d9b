import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Upstreams, UpstreamError, upstreamErrorMessage } from './upstreams.js';

describe('Upstreams', () => {
  let server: http.Server;
  let base = '';
  const seen: { auth?: string; body: string; path: string }[] = [];
  const up = new Upstreams({ generationSeconds: 0.3, listSeconds: 0.3, verifyTls: true });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body, path: req.url ?? '' });
        if (req.url === '/hang') return; // never answers
        if (req.url === '/slow-body') {
          res.writeHead(200);
          res.write('{"a":');
          return; // body stalls
        }
        if (req.url === '/err') {
          res.writeHead(404, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ error: "model 'x' not found" }));
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, echo: body }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await up.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends JSON with a Bearer key and reads JSON back', async () => {
    const res = await up.request({ url: `${base}/ok`, json: { x: 1 }, key: 'sk-1' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, echo: '{"x":1}' });
    expect(seen.at(-1)).toMatchObject({ auth: 'Bearer sk-1', path: '/ok' });
  });

  it('passes error statuses through and extracts the message', async () => {
    const res = await up.request({ url: `${base}/err` });
    expect(res.status).toBe(404);
    expect(await upstreamErrorMessage(res)).toEqual({ message: "model 'x' not found", isJson: true });
  });

  it('reports refused connections as connect errors', async () => {
    const err = await up.request({ url: 'http://127.0.0.1:9/x', kind: 'list' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('connect');
    expect((err as UpstreamError).message).toMatch(/Cannot connect to host 127\.0\.0\.1:9/);
  });

  it('times out a hanging server for both kinds', async () => {
    for (const kind of ['list', 'generation'] as const) {
      const t0 = Date.now();
      const err = await up.request({ url: `${base}/hang`, kind }).catch((e: unknown) => e);
      expect((err as UpstreamError).kind).toBe('timeout');
      expect(Date.now() - t0).toBeLessThan(2000);
    }
  });

  it('times out a list call whose body stalls', async () => {
    const res = await up.request({ url: `${base}/slow-body`, kind: 'list' });
    const err = await res.json().catch((e: unknown) => e);
    expect((err as UpstreamError).kind).toBe('timeout');
  });

  it('aborts on the caller signal', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await up.request({ url: `${base}/hang`, timeoutMs: null, signal: ac.signal }).catch((e: unknown) => e);
    expect((err as UpstreamError).kind).toBe('aborted');
  });
});

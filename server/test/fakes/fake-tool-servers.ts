import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * Real tool servers for tests, on 127.0.0.1:<random port>:
 * - an OpenAPI server (openapi.json + the operations it describes), scripted per test;
 * - an MCP server built with the official SDK (McpServer + StreamableHTTPServerTransport, stateless).
 */

export interface ToolHit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface FakeOpenApiServer {
  url: string;
  hits: ToolHit[];
  /** `ok` | `slow` (calls never answer) | `garbage` (spec and answers are not JSON) | `error` (calls answer 500). */
  mode: 'ok' | 'slow' | 'garbage' | 'error';
  /** When set, every request must carry `Authorization: Bearer <key>`. */
  key: string | null;
  close(): Promise<void>;
}

export const WEATHER_SPEC = {
  openapi: '3.1.0',
  info: { title: 'Weather Tools', description: 'Weather for a city', version: '1.0.0' },
  paths: {
    '/weather/{city}': {
      get: {
        operationId: 'get_weather',
        summary: 'Current weather in a city',
        parameters: [
          { name: 'city', in: 'path', required: true, schema: { type: 'string', description: 'City name' } },
          { name: 'unit', in: 'query', required: false, schema: { type: 'string', enum: ['C', 'F'] } },
        ],
      },
    },
    '/orders': {
      post: {
        operationId: 'create_order',
        description: 'Create an order',
        requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } } },
      },
    },
  },
  components: {
    schemas: { Order: { type: 'object', properties: { item: { type: 'string' }, qty: { type: 'integer' } }, required: ['item'] } },
  },
};

export async function startFakeOpenApiServer(): Promise<FakeOpenApiServer> {
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeOpenApiServer = {
    url: '',
    hits: [],
    mode: 'ok',
    key: null,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      fake.hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (fake.key && req.headers.authorization !== `Bearer ${fake.key}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'Not authenticated' }));
        return;
      }
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/openapi.json') {
        if (fake.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not a spec</html>');
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(WEATHER_SPEC));
      }
      if (fake.mode === 'slow') return; // never answers
      if (fake.mode === 'error') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
      if (fake.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('\u0000garbage\u0001');
      const weather = /^\/weather\/([^/]+)$/.exec(url.pathname);
      if (weather && req.method === 'GET') {
        const city = decodeURIComponent(weather[1]!);
        const unit = url.searchParams.get('unit') ?? 'C';
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ city, temperature: 21.5, unit, sky: 'zorblax-clear' }));
        return;
      }
      if (url.pathname === '/orders' && req.method === 'POST') {
        const order = JSON.parse(body || '{}') as Record<string, unknown>;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ order_id: 'ord-77', ...order }));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'Not Found' }));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

export interface FakeMcpServer {
  /** The MCP endpoint, e.g. http://127.0.0.1:1234/mcp */
  url: string;
  calls: { name: string; args: unknown; authorization?: string }[];
  /** Milliseconds the tool waits before answering. */
  delayMs: number;
  close(): Promise<void>;
}

function buildMcp(fake: FakeMcpServer, authorization: string | undefined): McpServer {
  const mcp = new McpServer({ name: 'fake-orders', version: '1.0.0' });
  mcp.registerTool(
    'lookup_order',
    { description: 'Look up the status of an order by its id', inputSchema: { order_id: z.string() } },
    async ({ order_id }) => {
      fake.calls.push({ name: 'lookup_order', args: { order_id }, authorization });
      if (fake.delayMs) await new Promise((r) => setTimeout(r, fake.delayMs));
      return { content: [{ type: 'text', text: JSON.stringify({ order_id, status: 'shipped-via-quokka-express' }) }] };
    },
  );
  mcp.registerTool('fail_always', { description: 'A tool that always fails', inputSchema: {} }, async () => ({
    isError: true,
    content: [{ type: 'text', text: 'the warehouse is on fire' }],
  }));
  return mcp;
}

export async function startFakeMcpServer(): Promise<FakeMcpServer> {
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeMcpServer = {
    url: '',
    calls: [],
    delayMs: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  // Stateless: a fresh server + transport per HTTP request (the SDK's documented stateless pattern).
  const server = http.createServer(async (req, res) => {
    if (!req.url?.startsWith('/mcp')) return void res.writeHead(404).end();
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString() || 'null');
    const mcp = buildMcp(fake, req.headers.authorization);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return fake;
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Scripted fakes of the web search providers on 127.0.0.1:<random port>, each under its own prefix and
 * speaking that provider's documented wire format (paths, auth headers/params, answer fields):
 *   /searxng/search  /tavily/search  /perplexity/chat/completions  /serper/search  /serpapi/search
 *   /brave/res/v1/web/search  /google/customsearch/v1  /jina/  /exa/search  /kagi/api/v0/search
 *   /bing/v7.0/search
 * Point each provider's base-URL override at `${url}/<prefix>`. Every request is recorded.
 */
export interface SearchHit {
  url: string;
  title: string;
  content: string;
}

export interface RecordedSearch {
  provider: string;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Record<string, any> | null;
}

export type SearchFault = { status: number; body?: string } | 'hang' | 'garbage' | 'html' | 'wrong-shape';

export interface FakeSearch {
  url: string;
  key: string;
  hits: SearchHit[];
  requests: RecordedSearch[];
  /** The next requests fail this way until cleared. */
  fault: SearchFault | null;
  close(): Promise<void>;
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

export async function startFakeSearch(key = 'test-key'): Promise<FakeSearch> {
  const hanging = new Set<http.ServerResponse>();
  const fake: FakeSearch = { url: '', key, hits: [], requests: [], fault: null, close: async () => undefined };

  // provider -> [method, path, auth check, answer]
  type Route = { provider: string; method: string; path: string; authorized(r: RecordedSearch): boolean; answer(r: RecordedSearch): unknown };
  const hits = () => fake.hits;
  const routes: Route[] = [
    {
      provider: 'searxng', method: 'GET', path: '/searxng/search',
      authorized: (r) => r.query.get('format') === 'json',
      answer: (r) => ({ query: r.query.get('q'), number_of_results: hits().length, results: hits().map((h, i) => ({ url: h.url, title: h.title, content: h.content, engine: 'fake', score: hits().length - i })) }),
    },
    {
      provider: 'tavily', method: 'POST', path: '/tavily/search',
      authorized: (r) => r.headers.authorization === `Bearer ${key}`,
      answer: (r) => ({ query: r.body?.query, response_time: 0.5, results: hits().map((h, i) => ({ url: h.url, title: h.title, content: h.content, score: 0.9 - i / 10, raw_content: null })) }),
    },
    {
      provider: 'perplexity', method: 'POST', path: '/perplexity/chat/completions',
      authorized: (r) => r.headers.authorization === `Bearer ${key}`,
      answer: () => ({ id: 'p1', model: 'sonar', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: hits()[0]?.content ?? '' }, finish_reason: 'stop' }], citations: hits().map((h) => h.url) }),
    },
    {
      provider: 'serper', method: 'POST', path: '/serper/search',
      authorized: (r) => r.headers['x-api-key'] === key,
      answer: (r) => ({ searchParameters: { q: r.body?.q, type: 'search' }, organic: hits().map((h, i) => ({ title: h.title, link: h.url, snippet: h.content, position: i + 1 })).reverse() }),
    },
    {
      provider: 'serpapi', method: 'GET', path: '/serpapi/search',
      authorized: (r) => r.query.get('api_key') === key,
      answer: () => ({ search_metadata: { status: 'Success' }, organic_results: hits().map((h, i) => ({ position: i + 1, title: h.title, link: h.url, snippet: h.content })) }),
    },
    {
      provider: 'brave', method: 'GET', path: '/brave/res/v1/web/search',
      authorized: (r) => r.headers['x-subscription-token'] === key,
      answer: () => ({ type: 'search', web: { type: 'search', results: hits().map((h) => ({ title: h.title, url: h.url, description: h.content })) } }),
    },
    {
      provider: 'google', method: 'GET', path: '/google/customsearch/v1',
      authorized: (r) => r.query.get('key') === key && r.query.get('cx') === 'engine-1',
      answer: (r) => {
        const start = Number(r.query.get('start') ?? 1);
        const num = Number(r.query.get('num') ?? 10);
        return { kind: 'customsearch#search', items: hits().slice(start - 1, start - 1 + num).map((h) => ({ kind: 'customsearch#result', title: h.title, link: h.url, snippet: h.content })) };
      },
    },
    {
      provider: 'jina', method: 'POST', path: '/jina/',
      authorized: (r) => r.headers.authorization === key,
      answer: () => ({ code: 200, status: 20000, data: hits().map((h) => ({ title: h.title, url: h.url, content: h.content, description: '' })) }),
    },
    {
      provider: 'exa', method: 'POST', path: '/exa/search',
      authorized: (r) => r.headers.authorization === `Bearer ${key}`,
      answer: () => ({ requestId: 'e1', resolvedSearchType: 'neural', results: hits().map((h, i) => ({ id: h.url, url: h.url, title: h.title, text: h.content, score: 0.9 - i / 10, highlights: [] })) }),
    },
    {
      provider: 'kagi', method: 'GET', path: '/kagi/api/v0/search',
      authorized: (r) => r.headers.authorization === `Bot ${key}`,
      answer: () => ({ meta: { id: 'k1' }, data: [...hits().map((h, i) => ({ t: 0, rank: i + 1, url: h.url, title: h.title, snippet: h.content })), { t: 1, list: ['related search'] }] }),
    },
    {
      provider: 'bing', method: 'GET', path: '/bing/v7.0/search',
      authorized: (r) => r.headers['ocp-apim-subscription-key'] === key,
      answer: () => ({ _type: 'SearchResponse', webPages: { totalEstimatedMatches: hits().length, value: hits().map((h, i) => ({ id: String(i), name: h.title, url: h.url, snippet: h.content })) } }),
    },
  ];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, any> | null = null;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, any>) : null;
      } catch {
        body = null;
      }
      const route = routes.find((r) => r.path === u.pathname && r.method === req.method);
      const rec: RecordedSearch = { provider: route?.provider ?? '?', method: req.method ?? '', path: u.pathname, query: u.searchParams, headers: req.headers, body };
      fake.requests.push(rec);
      if (!route) return json(res, 404, { error: 'not found' });
      const f = fake.fault;
      if (f === 'hang') {
        hanging.add(res);
        return;
      }
      if (f === 'garbage') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"results": [ {"url": tru');
      }
      if (f === 'html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html><body>Service temporarily unavailable</body></html>');
      }
      if (f === 'wrong-shape') return json(res, 200, ['not', 'an', 'object']);
      if (f) {
        res.writeHead(f.status, { 'content-type': 'application/json' });
        return res.end(f.body ?? JSON.stringify({ error: { message: f.status === 429 ? 'Rate limit exceeded' : 'Internal error' } }));
      }
      if (!route.authorized(rec)) return json(res, 401, { error: 'Unauthorized: invalid API key' });
      json(res, 200, route.answer(rec));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    for (const r of hanging) r.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}

/** The env pointing every hosted provider's base-URL override at the fake. */
export function fakeSearchEnv(fake: FakeSearch): Record<string, string> {
  return {
    SEARXNG_QUERY_URL: `${fake.url}/searxng/search?q=<query>`,
    TAVILY_API_BASE_URL: `${fake.url}/tavily`,
    PERPLEXITY_API_BASE_URL: `${fake.url}/perplexity`,
    SERPER_API_BASE_URL: `${fake.url}/serper`,
    SERPAPI_API_BASE_URL: `${fake.url}/serpapi`,
    BRAVE_SEARCH_API_BASE_URL: `${fake.url}/brave`,
    GOOGLE_PSE_API_BASE_URL: `${fake.url}/google`,
    JINA_SEARCH_API_BASE_URL: `${fake.url}/jina`,
    EXA_API_BASE_URL: `${fake.url}/exa`,
    KAGI_SEARCH_API_BASE_URL: `${fake.url}/kagi`,
    BING_SEARCH_V7_ENDPOINT: `${fake.url}/bing/v7.0/search`,
  };
}

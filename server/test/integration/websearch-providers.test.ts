import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { fakeSearchEnv, startFakeSearch, type FakeSearch } from '../fakes/fake-search.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Json = Record<string, any>;

const HITS = [
  { url: 'https://docs.example.org/keeper', title: 'The keeper', content: 'Ingrid Solberg keeps the light.' },
  { url: 'https://news.example.com/pier', title: 'The pier', content: 'The pier cost 4.2 million crowns.' },
  { url: 'https://blog.example.net/boats', title: 'Boats', content: 'Fishing boats leave at dawn.' },
];

// engine -> settings that configure it (with the fake's key) and what its request must look like.
const ENGINES: [string, Json, (r: FakeSearch['requests'][number]) => void][] = [
  ['searxng', {}, (r) => {
    expect(r.method).toBe('GET');
    expect(Object.fromEntries(r.query)).toMatchObject({ q: 'harbour', format: 'json', pageno: '1', safesearch: '1', language: 'en-US', theme: 'simple', image_proxy: '0' });
    expect(r.headers['user-agent']).toContain('Open WebUI');
  }],
  ['tavily', { TAVILY_API_KEY: 'test-key' }, (r) => {
    expect(r.headers.authorization).toBe('Bearer test-key');
    expect(r.body).toEqual({ query: 'harbour', max_results: 3 });
  }],
  ['perplexity', { PERPLEXITY_API_KEY: 'test-key' }, (r) => {
    expect(r.body).toMatchObject({ model: 'sonar', stream: false, temperature: 0.2, web_search_options: { search_context_usage: 'medium' } });
    expect(r.body!.messages.at(-1)).toEqual({ role: 'user', content: 'harbour' });
  }],
  ['serper', { SERPER_API_KEY: 'test-key' }, (r) => {
    expect(r.headers['x-api-key']).toBe('test-key');
    expect(r.body).toEqual({ q: 'harbour' });
  }],
  ['serpapi', { SERPAPI_API_KEY: 'test-key' }, (r) => {
    expect(Object.fromEntries(r.query)).toEqual({ engine: 'google', q: 'harbour', api_key: 'test-key' });
  }],
  ['brave', { BRAVE_SEARCH_API_KEY: 'test-key' }, (r) => {
    expect(r.headers['x-subscription-token']).toBe('test-key');
    expect(Object.fromEntries(r.query)).toEqual({ q: 'harbour', count: '3' });
  }],
  ['google_pse', { GOOGLE_PSE_API_KEY: 'test-key', GOOGLE_PSE_ENGINE_ID: 'engine-1' }, (r) => {
    expect(Object.fromEntries(r.query)).toEqual({ cx: 'engine-1', q: 'harbour', key: 'test-key', num: '3', start: '1' });
  }],
  ['jina', { JINA_API_KEY: 'test-key' }, (r) => {
    expect(r.headers.authorization).toBe('test-key');
    expect(r.headers['x-retain-images']).toBe('none');
    expect(r.body).toEqual({ q: 'harbour', count: 3 });
  }],
  ['exa', { EXA_API_KEY: 'test-key' }, (r) => {
    expect(r.headers.authorization).toBe('Bearer test-key');
    expect(r.body).toEqual({ query: 'harbour', numResults: 3, includeDomains: null, contents: { text: true, highlights: true }, type: 'auto' });
  }],
  ['kagi', { KAGI_SEARCH_API_KEY: 'test-key' }, (r) => {
    expect(r.headers.authorization).toBe('Bot test-key');
    expect(Object.fromEntries(r.query)).toEqual({ q: 'harbour', limit: '3' });
  }],
  ['bing', { BING_SEARCH_V7_SUBSCRIPTION_KEY: 'test-key' }, (r) => {
    expect(r.headers['ocp-apim-subscription-key']).toBe('test-key');
    expect(Object.fromEntries(r.query)).toEqual({ q: 'harbour', mkt: 'en-US', count: '3' });
  }],
];

describe('web search providers: each speaks its API; faults are clear errors', () => {
  let srv: TestServer;
  let fake: FakeSearch;
  let admin: { token: string };
  let user: { token: string };

  const configure = async (web: Json) => {
    const res = await srv.request('POST', '/api/v1/retrieval/config/update', { token: admin.token, body: { web } });
    expect(res.status).toBe(200);
    return (await res.json()) as Json;
  };
  const search = (queries: string[], token = admin.token) => srv.request('POST', '/api/v1/retrieval/process/web/search', { token, body: { queries } });

  beforeAll(async () => {
    fake = await startFakeSearch();
    // Snippets only (no page loading: that is websearch-chat.test.ts), whole docs back.
    srv = await startTestServer({
      ...fakeSearchEnv(fake),
      ENABLE_WEB_SEARCH: 'true',
      WEB_SEARCH_ENGINE: 'searxng',
      BYPASS_WEB_SEARCH_WEB_LOADER: 'true',
      BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL: 'true',
      WEB_SEARCH_TIMEOUT: '1',
    });
    admin = await createUser(srv.ctx, { role: 'admin' });
    user = await createUser(srv.ctx);
  });
  afterAll(async () => {
    await srv.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.hits = HITS.map((h) => ({ ...h }));
    fake.fault = null;
    fake.requests.length = 0;
  });

  for (const [engine, keys, check] of ENGINES) {
    it(`${engine}: request shape and results`, async () => {
      await configure({ WEB_SEARCH_ENGINE: engine, ...keys });
      const res = await search(['harbour']);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Json;
      expect(fake.requests.length).toBeGreaterThan(0);
      check(fake.requests[0]!);
      const expected = engine === 'perplexity' ? HITS.map((h) => h.url) : HITS.map((h) => h.url);
      expect(body.filenames).toEqual(expected.filter((u) => body.filenames.includes(u)));
      expect(body.filenames.length).toBe(engine === 'perplexity' ? 1 : 3); // Perplexity: only the first citation has text
      expect(body).toMatchObject({ status: true, collection_name: null, loaded_count: body.docs.length });
      expect(body.docs[0]).toMatchObject({ content: HITS[0]!.content, metadata: { source: HITS[0]!.url, link: HITS[0]!.url } });
      expect(body.items[0]).toMatchObject({ link: HITS[0]!.url });
    });
  }

  it('google_pse pages by 10 up to the result count', async () => {
    fake.hits = Array.from({ length: 25 }, (_, i) => ({ url: `https://e.example/${i}`, title: `t${i}`, content: `c${i}` }));
    await configure({ WEB_SEARCH_ENGINE: 'google_pse', GOOGLE_PSE_API_KEY: 'test-key', GOOGLE_PSE_ENGINE_ID: 'engine-1', WEB_SEARCH_RESULT_COUNT: 15 });
    const body = (await (await search(['harbour'])).json()) as Json;
    expect(body.filenames).toHaveLength(15);
    expect(fake.requests.map((r) => [r.query.get('start'), r.query.get('num')])).toEqual([['1', '10'], ['11', '5']]);
    await configure({ WEB_SEARCH_RESULT_COUNT: 3 });
  });

  it('the domain filter list keeps only the listed domains', async () => {
    await configure({ WEB_SEARCH_ENGINE: 'tavily', TAVILY_API_KEY: 'test-key', WEB_SEARCH_DOMAIN_FILTER_LIST: ['example.org', ' '] });
    const body = (await (await search(['harbour'])).json()) as Json;
    expect(body.filenames).toEqual(['https://docs.example.org/keeper']);
    await configure({ WEB_SEARCH_DOMAIN_FILTER_LIST: [] });
  });

  it('config: the web section round-trips, is admin-only, and refuses what cannot run', async () => {
    const cfg = await configure({ WEB_SEARCH_ENGINE: 'tavily', TAVILY_API_KEY: 'test-key' });
    expect(cfg.web).toMatchObject({ ENABLE_WEB_SEARCH: true, WEB_SEARCH_ENGINE: 'tavily', TAVILY_API_KEY: 'test-key', WEB_SEARCH_RESULT_COUNT: 3 });
    expect((await srv.request('GET', '/api/v1/retrieval/config', { token: user.token })).status).toBe(401);
    for (const web of [{ WEB_SEARCH_ENGINE: 'duckduckgo' }, { WEB_LOADER_ENGINE: 'playwright' }, { SEARXNG_QUERY_URL: 'file:///etc/passwd' }, { WEB_SEARCH_RESULT_COUNT: 0 }]) {
      const res = await srv.request('POST', '/api/v1/retrieval/config/update', { token: admin.token, body: { web } });
      expect([400, 422], JSON.stringify(web)).toContain(res.status); // 422: the form's schema (as FastAPI)
      expect(((await res.json()) as Json).detail).toBeTruthy();
    }
    const features = ((await (await srv.request('GET', '/api/config', { token: user.token })).json()) as Json).features;
    expect(features.enable_web_search).toBe(true);
  });

  describe('faults: a clear {detail} within the time limit', () => {
    beforeEach(async () => {
      await configure({ WEB_SEARCH_ENGINE: 'tavily', TAVILY_API_KEY: 'test-key' });
    });
    const cases: [string, FakeSearch['fault'], number, RegExp][] = [
      ['server error', { status: 500 }, 502, /Tavily answered an error \(HTTP 500/],
      ['rate limit', { status: 429 }, 502, /rate limit or quota reached \(HTTP 429\)/],
      ['garbage JSON', 'garbage', 502, /not JSON/],
      ['an HTML error page', 'html', 502, /not JSON/],
      ['a JSON list instead of an object', 'wrong-shape', 502, /without results/],
      ['hang', 'hang', 504, /did not answer within 1 s/],
    ];
    for (const [name, fault, status, detail] of cases) {
      it(name, async () => {
        fake.fault = fault;
        const t0 = Date.now();
        const res = await search(['harbour']);
        expect(Date.now() - t0).toBeLessThan(5000);
        expect(res.status).toBe(status);
        const body = (await res.json()) as Json;
        expect(body.detail).toMatch(detail);
        expect(JSON.stringify(body)).not.toContain('test-key');
      });
    }
    it('a wrong key', async () => {
      await configure({ TAVILY_API_KEY: 'wrong-key' });
      const res = await search(['harbour']);
      expect(res.status).toBe(502);
      expect(((await res.json()) as Json).detail).toMatch(/Tavily refused the API key \(HTTP 401/);
      expect(srv.logs()).not.toContain('wrong-key');
    });
    it('no key, no results, bad form', async () => {
      await configure({ TAVILY_API_KEY: '' });
      let res = await search(['harbour']);
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).detail).toBe('No TAVILY_API_KEY found in environment variables');
      await configure({ TAVILY_API_KEY: 'test-key' });
      fake.hits = [];
      res = await search(['harbour']);
      expect(res.status).toBe(404);
      expect(((await res.json()) as Json).detail).toContain('No results found from web search');
      res = await srv.request('POST', '/api/v1/retrieval/process/web/search', { token: admin.token, body: { queries: 'harbour' } });
      expect(res.status).toBe(422);
    });
  });

  it('permissions: a plain user needs features.web_search; off when the admin disables web search', async () => {
    await configure({ WEB_SEARCH_ENGINE: 'tavily', TAVILY_API_KEY: 'test-key' });
    expect((await search(['harbour'], user.token)).status).toBe(200);
    const perms = structuredClone(srv.ctx.settings.get('USER_PERMISSIONS')) as Json;
    perms.features = { ...perms.features, web_search: false };
    await srv.ctx.settings.set({ USER_PERMISSIONS: perms });
    const res = await search(['harbour'], user.token);
    expect(res.status).toBe(403);
    expect(((await res.json()) as Json).detail).toBe('You do not have permission to use web search.');
    perms.features.web_search = true;
    await srv.ctx.settings.set({ USER_PERMISSIONS: perms });
    await configure({ ENABLE_WEB_SEARCH: false });
    expect((await search(['harbour'])).status).toBe(400);
    await configure({ ENABLE_WEB_SEARCH: true });
  });
});

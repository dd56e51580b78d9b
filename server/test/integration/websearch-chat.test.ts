import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import type { ChatEvent } from '@owui/contracts';
import { isBlockedAddress } from '../../src/net/address-policy.js';
import { setLoaderTestPolicy } from '../../src/rag/web/loader.js';
import { createUser } from '../factories/users.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { startFakePages, startSentinel, type FakePages, type Sentinel } from '../fakes/fake-pages.js';
import { fakeSearchEnv, startFakeSearch, type FakeSearch } from '../fakes/fake-search.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Json = Record<string, any>;
const QUESTION = 'Who keeps the lighthouse on Skarvoy?';
const FACT = 'Marit Fjeldstad';
const QUERIES_ANSWER = '{ "queries": ["skarvoy lighthouse keeper"] }';

const KEEPER_HTML = `<!doctype html><html lang="en"><head><title>Skarvoy lighthouse</title>
<meta name="description" content="The island's light"><script>var SCRIPT_SECRET = 1;</script><style>.x{color:red}</style></head>
<body><nav>Home | About</nav><h1>Skarvoy lighthouse</h1>
<p>The lighthouse keeper of Skarvoy is ${FACT}, appointed in 1994.</p>
<p>The light is visible for 18 nautical miles.</p></body></html>`;

function sseEvents(text: string): Json[] {
  return text
    .split('\n\n')
    .map((e) => e.trim().replace(/^data: /, ''))
    .filter((e) => e && e !== '[DONE]')
    .map((e) => JSON.parse(e) as Json);
}

describe('web search in chat: fresh pages in the prompt, pages as sources, refused addresses never fetched', () => {
  let srv: TestServer;
  let up: FakeOpenAI;
  let search: FakeSearch;
  let pages: FakePages;
  let sentinel: Sentinel;
  let user: { token: string };
  let keeperUrl: string;

  const chatRequests = () => up.requests.filter((r) => r.path.endsWith('/chat/completions'));
  const lastPrompt = () => String((chatRequests().at(-1)!.body!.messages as Json[]).at(-1)!.content);
  const chat = (body: Json, token = user.token) =>
    srv.request('POST', '/api/chat/completions', { token, body: { model: 'gpt-4o-mini', stream: false, messages: [{ role: 'user', content: QUESTION }], features: { web_search: true }, ...body } });

  const socketChat = async (body: Json): Promise<ChatEvent[]> => {
    const socket = connect(srv.url, { path: '/ws/socket.io', transports: ['websocket'], auth: { token: user.token }, reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    await new Promise((r) => setTimeout(r, 200));
    const got: ChatEvent[] = [];
    socket.on('events', (e: ChatEvent) => got.push(e));
    const res = await chat({ stream: true, chat_id: 'local:web', id: `msg-${Date.now()}`, session_id: socket.id, ...body });
    expect(((await res.json()) as Json).status).toBe(true);
    const until = Date.now() + 8000;
    while (Date.now() < until && !got.some((e) => e.data.type === 'chat:completion' && (e.data.data as Json).done)) await new Promise((r) => setTimeout(r, 50));
    socket.close();
    return got;
  };
  const statuses = (got: ChatEvent[]) => got.filter((e) => e.data.type === 'status').map((e) => e.data.data as Json);

  beforeAll(async () => {
    up = await startFakeOpenAI();
    search = await startFakeSearch();
    pages = await startFakePages();
    sentinel = await startSentinel();
    pages.pages.set('/keeper', KEEPER_HTML);
    pages.pages.set('/huge', `<html><body>${'HUGE PAGE '.repeat(20_000)}</body></html>`);
    pages.pages.set('/hang', 'HANG');
    pages.pages.set('/redirect', { status: 302, headers: { location: `${sentinel.url}/after-redirect` } });
    keeperUrl = `${pages.url}/keeper`;
    // The page server sits on loopback like the sentinel: stand it in for "the public internet" and keep
    // the production rule for every other address (safe-fetch's address-policy seam).
    setLoaderTestPolicy({ isAllowedAddress: (address, port) => port === pages.port || !isBlockedAddress(address) });
    srv = await startTestServer({
      ...fakeSearchEnv(search),
      BYPASS_MODEL_ACCESS_CONTROL: 'true',
      OPENAI_API_BASE_URL: up.url,
      ENABLE_WEB_SEARCH: 'true',
      WEB_SEARCH_ENGINE: 'searxng',
      WEB_SEARCH_TIMEOUT: '1',
      WEB_SEARCH_RESULT_COUNT: '10',
      WEB_LOADER_TIMEOUT: '2',
      WEB_LOADER_MAX_BYTES: '100000',
      CHUNK_SIZE: '200',
      CHUNK_OVERLAP: '0',
    });
    user = await createUser(srv.ctx);
  });
  afterAll(async () => {
    setLoaderTestPolicy(null);
    await srv.close();
    await Promise.all([up.close(), search.close(), pages.close(), sentinel.close()]);
  });
  beforeEach(() => {
    up.requests.length = 0;
    up.turns = [{ reply: QUERIES_ANSWER }];
    search.requests.length = 0;
    search.fault = null;
    search.hits = [{ url: keeperUrl, title: 'Skarvoy lighthouse', content: 'The island light' }];
    pages.hits.length = 0;
  });

  it('API, non-streamed: queries from the task model, the fact only on the page reaches the prompt, the page is the source', async () => {
    const res = await chat({});
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.choices[0].message.content).toBe(up.reply);

    // 1: the query-generation task with the original's template and the chat history; 2: the reply.
    expect(chatRequests()).toHaveLength(2);
    const task = String((chatRequests()[0]!.body!.messages as Json[])[0]!.content);
    expect(task).toContain('### Task:');
    expect(task).toContain(`USER: ${QUESTION}`);
    expect(search.requests[0]!.query.get('q')).toBe('skarvoy lighthouse keeper');

    const prompt = lastPrompt();
    expect(prompt).toContain(FACT);
    expect(prompt).not.toContain('SCRIPT_SECRET');
    expect(prompt.endsWith(QUESTION)).toBe(true);
    expect(chatRequests()[1]!.body!.features).toBeUndefined();

    expect(body.sources).toHaveLength(1);
    const src = body.sources[0];
    expect(src.source).toMatchObject({ type: 'web_search', urls: [keeperUrl], queries: ['skarvoy lighthouse keeper'] });
    expect(src.document.join(' ')).toContain(FACT);
    expect(src.metadata[0]).toMatchObject({ source: keeperUrl, title: 'Skarvoy lighthouse', description: "The island's light", language: 'en' });

    // The page got no cookie and none of the user's credentials.
    expect(pages.hits).toHaveLength(1);
    expect(pages.hits[0]!.headers.cookie).toBeUndefined();
    expect(pages.hits[0]!.headers.authorization).toBeUndefined();
  });

  it('API, streamed: the first event is the sources', async () => {
    const res = await chat({ stream: true });
    expect(res.status).toBe(200);
    const events = sseEvents(await res.text());
    expect(events[0]!.sources[0].metadata[0].source).toBe(keeperUrl);
    expect(events.slice(1).some((e) => e.choices)).toBe(true);
  });

  it('socket mode: the status steps, then the sources and the reply', async () => {
    const got = await socketChat({});
    const steps = statuses(got);
    expect(steps[0]).toEqual({ action: 'web_search', description: 'Searching the web', done: false });
    expect(steps[1]).toEqual({ action: 'web_search_queries_generated', queries: ['skarvoy lighthouse keeper'], done: false });
    expect(steps[2]).toMatchObject({ action: 'web_search', description: 'Reading {{count}} sites', count: 1, done: false });
    expect(steps.at(-1)).toMatchObject({ action: 'web_search', description: 'Searched {{count}} sites', count: 1, urls: [keeperUrl], done: true });
    expect(steps.at(-1)!.items[0]).toMatchObject({ link: keeperUrl });
    const withSources = got.find((e) => e.data.type === 'chat:completion' && (e.data.data as Json).sources);
    expect(((withSources!.data.data as Json).sources as Json[])[0]!.document.join(' ')).toContain(FACT);
    const done = got.find((e) => e.data.type === 'chat:completion' && (e.data.data as Json).done);
    expect((done!.data.data as Json).content).toBe(up.reply);
  });

  it('socket mode, a saved chat: the steps are stored with the reply (statusHistory)', async () => {
    const created = await srv.request('POST', '/api/v1/chats/new', {
      token: user.token,
      body: { chat: { title: 'web', models: ['gpt-4o-mini'], history: { currentId: 'u1', messages: { u1: { id: 'u1', role: 'user', content: QUESTION, parentId: null, childrenIds: [] } } } } },
    });
    const chatId = ((await created.json()) as Json).id as string;
    await socketChat({ chat_id: chatId, id: 'a1' });
    const stored = ((await (await srv.request('GET', `/api/v1/chats/${chatId}`, { token: user.token })).json()) as Json).chat.history.messages.a1;
    expect(stored.content).toBe(up.reply);
    expect(stored.statusHistory.at(-1)).toMatchObject({ action: 'web_search', description: 'Searched {{count}} sites', done: true });
    expect(stored.sources[0].metadata[0].source).toBe(keeperUrl);
  });

  it('SSRF: results pointing at the metadata address, loopback or a redirect to it are never fetched', async () => {
    search.hits = [
      { url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/', title: 'metadata', content: 'x' },
      { url: `${sentinel.url}/`, title: 'sentinel', content: 'x' },
      { url: `http://localhost:${sentinel.port}/`, title: 'sentinel by name', content: 'x' },
      { url: `${pages.url}/redirect`, title: 'redirect', content: 'x' },
      { url: keeperUrl, title: 'keeper', content: 'x' },
    ];
    const res = await chat({});
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.sources).toHaveLength(1);
    expect(body.sources[0].source.urls).toEqual([keeperUrl]);
    expect(lastPrompt()).not.toContain('SENTINEL');
    expect(sentinel.connections).toBe(0);
    expect(pages.hits.map((h) => h.path).sort()).toEqual(['/keeper', '/redirect']);

    // process/web refuses the same addresses with a clear 400.
    for (const url of ['http://169.254.169.254/latest/meta-data/', `${sentinel.url}/`, `${pages.url}/redirect`, 'file:///etc/passwd']) {
      const r = await srv.request('POST', '/api/v1/retrieval/process/web', { token: user.token, body: { url } });
      expect(r.status, url).toBe(400);
      expect(String(((await r.json()) as Json).detail)).toMatch(/ERROR/);
    }
    expect(sentinel.connections).toBe(0);
  });

  it('pages over the size cap or the time limit are left out; the others still answer', async () => {
    search.hits = [
      { url: `${pages.url}/huge`, title: 'huge', content: 'x' },
      { url: `${pages.url}/hang`, title: 'hang', content: 'x' },
      { url: `${pages.url}/missing`, title: '404', content: 'x' },
      { url: keeperUrl, title: 'keeper', content: 'x' },
    ];
    const t0 = Date.now();
    const res = await chat({});
    expect(Date.now() - t0).toBeLessThan(8000);
    const body = (await res.json()) as Json;
    expect(body.sources[0].source.urls).toEqual([keeperUrl]);
    expect(lastPrompt()).not.toContain('HUGE PAGE');
    const r = await srv.request('POST', '/api/v1/retrieval/process/web', { token: user.token, body: { url: `${pages.url}/hang` } });
    expect(r.status).toBe(504);
    expect((await srv.request('POST', '/api/v1/retrieval/process/web', { token: user.token, body: { url: `${pages.url}/huge` } })).status).toBe(400);
  });

  it('process/web: a page into a collection, or its text with BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL', async () => {
    let r = await srv.request('POST', '/api/v1/retrieval/process/web', { token: user.token, body: { url: keeperUrl } });
    expect(r.status).toBe(200);
    let body = (await r.json()) as Json;
    expect(body).toMatchObject({ status: true, filename: keeperUrl, file: { meta: { name: keeperUrl, source: keeperUrl } } });
    expect(body.collection_name).toMatch(/^[0-9a-f]{63}$/);
    expect(body.file.data.content).toContain(FACT);
    expect(body.file.data.content).not.toContain('SCRIPT_SECRET');
    const q = await srv.request('POST', '/api/v1/retrieval/query/doc', { token: user.token, body: { collection_name: body.collection_name, query: 'lighthouse keeper' } });
    expect(((await q.json()) as Json).documents[0].join(' ')).toContain(FACT);

    await srv.ctx.settings.set({ BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL: true });
    try {
      r = await srv.request('POST', '/api/v1/retrieval/process/web', { token: user.token, body: { url: keeperUrl } });
      body = (await r.json()) as Json;
      expect(body.collection_name).toBeNull();
      // And in chat the whole page goes into the prompt.
      const res = await chat({});
      const reply = (await res.json()) as Json;
      expect(reply.sources[0].source.docs).toBeUndefined();
      expect(reply.sources[0].document[0]).toContain('18 nautical miles');
      expect(lastPrompt()).toContain(FACT);
    } finally {
      await srv.ctx.settings.set({ BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL: false });
    }
  });

  it('attached web pages: a process/web item and a url item reach the prompt; a url at a refused address does not load', async () => {
    const processed = (await (await srv.request('POST', '/api/v1/retrieval/process/web', { token: user.token, body: { url: keeperUrl } })).json()) as Json;
    const item = { type: 'text', name: keeperUrl, url: keeperUrl, collection_name: processed.collection_name, file: processed.file };
    let res = await chat({ features: {}, files: [item] });
    let body = (await res.json()) as Json;
    expect(lastPrompt()).toContain(FACT);
    expect(body.sources[0].source).toMatchObject({ type: 'text', name: keeperUrl });
    expect(chatRequests()).toHaveLength(1); // no web search: no query generation

    up.requests.length = 0;
    res = await chat({ features: {}, files: [{ type: 'url', url: keeperUrl, name: keeperUrl }] });
    body = (await res.json()) as Json;
    expect(lastPrompt()).toContain(FACT);
    expect(body.sources[0].metadata[0]).toMatchObject({ url: keeperUrl, name: keeperUrl });

    res = await chat({ features: {}, files: [{ type: 'url', url: `${sentinel.url}/`, name: 'x' }] });
    expect(res.status).toBe(200);
    body = (await res.json()) as Json;
    expect(body.sources).toBeUndefined();
    expect(sentinel.connections).toBe(0);
  });

  describe('faults: the reply still comes, with a notice', () => {
    for (const [name, fault] of [['429', { status: 429 }], ['500', { status: 500 }], ['garbage', 'garbage'], ['hang', 'hang']] as const) {
      it(`provider ${name}`, async () => {
        search.fault = fault as FakeSearch['fault'];
        const t0 = Date.now();
        const res = await chat({});
        expect(res.status).toBe(200);
        expect(Date.now() - t0).toBeLessThan(6000);
        const body = (await res.json()) as Json;
        expect(body.choices[0].message.content).toBe(up.reply);
        expect(body.sources).toBeUndefined();
        expect(lastPrompt()).toBe(QUESTION);
      });
    }

    it('socket mode: the notice names the fault', async () => {
      search.fault = { status: 429 };
      const got = await socketChat({});
      const last = statuses(got).at(-1)!;
      expect(last).toMatchObject({ action: 'web_search', description: 'An error occurred while searching the web', done: true, error: true });
      expect(last.error_detail).toMatch(/SearXNG rate limit or quota reached \(HTTP 429\)/);
      const done = got.find((e) => e.data.type === 'chat:completion' && (e.data.data as Json).done);
      expect((done!.data.data as Json).content).toBe(up.reply);
    });

    it('no results: "No search results found", the reply comes', async () => {
      search.hits = [];
      const got = await socketChat({});
      expect(statuses(got).at(-1)).toMatchObject({ description: 'No search results found', done: true, error: true });
    });

    it('the task model fails: the message itself is searched', async () => {
      up.turns = [];
      up.failNext = { status: 500, message: 'task model down' };
      const res = await chat({});
      expect(res.status).toBe(200);
      expect(search.requests[0]!.query.get('q')).toBe(QUESTION);
      expect(lastPrompt()).toContain(FACT);
    });

    it('the task model answers prose: the answer is the query; an empty list: no search', async () => {
      up.turns = [{ reply: 'skarvoy keeper' }];
      await chat({});
      expect(search.requests[0]!.query.get('q')).toBe('skarvoy keeper');
      search.requests.length = 0;
      up.turns = [{ reply: '{"queries": []}' }];
      const res = await chat({});
      expect(res.status).toBe(200);
      expect(search.requests).toHaveLength(0);
    });
  });

  it('permission: a plain user without features.web_search gets 403 and nothing is searched', async () => {
    const perms = structuredClone(srv.ctx.settings.get('USER_PERMISSIONS')) as Json;
    perms.features = { ...perms.features, web_search: false };
    await srv.ctx.settings.set({ USER_PERMISSIONS: perms });
    try {
      const res = await chat({});
      expect(res.status).toBe(403);
      expect(((await res.json()) as Json).detail).toBe('You do not have permission to use web search.');
      const sock = await srv.request('POST', '/api/chat/completions', {
        token: user.token,
        body: { model: 'gpt-4o-mini', stream: true, chat_id: 'local:x', id: 'm', session_id: 'nope', messages: [{ role: 'user', content: QUESTION }], features: { web_search: true } },
      });
      expect(sock.status).toBe(403);
      expect(search.requests).toHaveLength(0);
      expect(chatRequests()).toHaveLength(0);
    } finally {
      perms.features.web_search = true;
      await srv.ctx.settings.set({ USER_PERMISSIONS: perms });
    }
  });
});

describe('ENABLE_RAG_LOCAL_WEB_FETCH=true lets pages on private addresses load', () => {
  it('loads a loopback page only when allowed', async () => {
    const pages = await startFakePages();
    pages.pages.set('/keeper', KEEPER_HTML);
    const on = await startTestServer({ ENABLE_RAG_LOCAL_WEB_FETCH: 'true' });
    const off = await startTestServer({});
    try {
      const a = await createUser(on.ctx);
      const b = await createUser(off.ctx);
      const ok = await on.request('POST', '/api/v1/retrieval/process/web', { token: a.token, body: { url: `${pages.url}/keeper` } });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as Json).file.data.content).toContain(FACT);
      const refused = await off.request('POST', '/api/v1/retrieval/process/web', { token: b.token, body: { url: `${pages.url}/keeper` } });
      expect(refused.status).toBe(400);
      expect(pages.hits).toHaveLength(1);
    } finally {
      await Promise.all([on.close(), off.close(), pages.close()]);
    }
  });
});

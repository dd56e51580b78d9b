import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePages, type FakePages } from '../../server/test/fakes/fake-pages.ts';
import { startFakeSearch, type FakeSearch } from '../../server/test/fakes/fake-search.ts';
import { apiSignup, screenshot, startStack, type Stack } from '../fixtures.ts';
import { ChatPage } from '../pages/chat-page.ts';

const FACT = 'Marit Fjeldstad';

describe('web search: toggle in the composer, status steps, citations; Admin > Settings > Web Search', () => {
  let stack: Stack;
  let chat: ChatPage;
  let search: FakeSearch;
  let pages: FakePages;

  const lastPrompt = () => {
    const req = stack.ollama.requests.filter((r) => r.path === '/api/chat').at(-1);
    const msgs = (req?.body as { messages?: { content: string }[] } | undefined)?.messages ?? [];
    return String(msgs.at(-1)?.content ?? '');
  };

  beforeAll(async () => {
    search = await startFakeSearch();
    pages = await startFakePages();
    pages.pages.set('/keeper', `<html><head><title>Skarvoy lighthouse</title></head><body><p>The lighthouse keeper of Skarvoy is ${FACT}.</p></body></html>`);
    search.hits = [{ url: `${pages.url}/keeper`, title: 'Skarvoy lighthouse', content: 'The island light' }];
    stack = await startStack({
      ollama: { models: ['llama3:latest'], reply: `The keeper is ${FACT} [1].` },
      env: {
        ENABLE_WEB_SEARCH: 'true',
        WEB_SEARCH_ENGINE: 'searxng',
        SEARXNG_QUERY_URL: `${search.url}/searxng/search?q=<query>`,
        // The fake "internet" is on loopback: let the loader reach it (production refuses it).
        ENABLE_RAG_LOCAL_WEB_FETCH: 'true',
      },
    });
    await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
    const page = await stack.newPage();
    chat = await ChatPage.signIn(page, 'ada@example.com', 'pass-word-1');
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await search?.close();
    await pages?.close();
  });

  it('asks with web search on: the page fact reaches the model, the steps show, the page is cited', async () => {
    await chat.page.getByTestId('web-search-toggle').click();
    expect(await chat.page.getByTestId('web-search-toggle').getAttribute('aria-pressed')).toBe('true');
    await chat.send('Who keeps the lighthouse on Skarvoy?');
    await chat.waitReplyDone();
    expect(lastPrompt()).toContain(FACT);
    await chat.page.getByTestId('status-last').waitFor();
    expect(await chat.page.getByTestId('status-last').innerText()).toContain('Searched 1 sites');
    const citation = chat.page.getByTestId('citation').first();
    await citation.waitFor();
    expect(await citation.innerText()).toContain('Skarvoy lighthouse');
    await citation.click();
    expect(await chat.page.getByTestId('citation-passage').first().innerText()).toContain(FACT);
    expect(await chat.page.getByTestId('citation-link').getAttribute('href')).toBe(`${pages.url}/keeper`);
    await screenshot(chat.page, 'websearch-citation');
  });

  it('Admin > Settings > Web Search shows and saves the engine settings', async () => {
    await chat.page.goto(`${stack.baseUrl}/admin/settings/web`);
    await chat.page.getByTestId('websearch-form').waitFor();
    expect(await chat.page.getByTestId('websearch-engine').inputValue()).toBe('searxng');
    expect(await chat.page.getByTestId('websearch-field-SEARXNG_QUERY_URL').inputValue()).toContain('/searxng/search');
    await chat.page.getByTestId('websearch-count').fill('5');
    await chat.page.getByTestId('websearch-save').click();
    await chat.page.getByTestId('websearch-saved').waitFor();
    const res = await chat.page.evaluate(async () => {
      const r = await fetch('/api/v1/retrieval/config', { headers: { authorization: `Bearer ${localStorage.getItem('token')}` } });
      return (await r.json()) as { web: { WEB_SEARCH_RESULT_COUNT: number } };
    });
    expect(res.web.WEB_SEARCH_RESULT_COUNT).toBe(5);
  });
});

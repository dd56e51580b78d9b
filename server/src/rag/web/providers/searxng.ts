import { listAt, providerJson, strOrNull } from '../provider-http.js';
import { filterByDomain, type SearchProvider } from './types.js';

/** SearXNG's JSON API (`format=json`), with the original's parameters and headers; sorted by score. */
export const searxng: SearchProvider = {
  id: 'searxng',
  label: 'SearXNG',
  missing: (s) => (s.searxngQueryUrl ? null : 'No SEARXNG_QUERY_URL found in environment variables'),
  async search(query, s, signal) {
    // The documented form `https://host/search?q=<query>`: the query string is replaced by ours.
    const url = s.searxngQueryUrl.includes('<query>') ? s.searxngQueryUrl.split('?')[0]! : s.searxngQueryUrl;
    const body = await providerJson({
      provider: 'SearXNG',
      url,
      query: { q: query, format: 'json', pageno: 1, safesearch: '1', language: 'en-US', time_range: '', categories: '', theme: 'simple', image_proxy: 0 },
      headers: {
        'user-agent': 'Open WebUI (https://github.com/open-webui/open-webui) RAG Bot',
        accept: 'text/html',
        'accept-encoding': 'identity',
        'accept-language': 'en-US,en;q=0.5',
      },
      timeoutMs: s.searchTimeoutMs,
      signal,
    });
    const results = listAt('SearXNG', body, 'results').sort((a, b) => (Number(b.score) || 0) - (Number(a.score) || 0));
    const mapped = results.filter((r) => typeof r.url === 'string').map((r) => ({ link: r.url as string, title: strOrNull(r.title), snippet: strOrNull(r.content) }));
    return filterByDomain(mapped, s.filterList).slice(0, s.count);
  },
};

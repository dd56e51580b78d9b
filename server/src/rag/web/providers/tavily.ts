import { listAt, providerJson, strOrNull } from '../provider-http.js';
import { filterByDomain, type SearchProvider } from './types.js';

/** Tavily: POST {base}/search, Bearer key, `{query, max_results}` -> `results[{url, title, content}]`. */
export const tavily: SearchProvider = {
  id: 'tavily',
  label: 'Tavily',
  missing: (s) => (s.tavilyApiKey ? null : 'No TAVILY_API_KEY found in environment variables'),
  async search(query, s, signal) {
    const body = await providerJson({
      provider: 'Tavily',
      method: 'POST',
      url: `${s.baseUrls.tavily}/search`,
      headers: { authorization: `Bearer ${s.tavilyApiKey}` },
      json: { query, max_results: s.count },
      timeoutMs: s.searchTimeoutMs,
      signal,
    });
    const mapped = listAt('Tavily', body, 'results')
      .filter((r) => typeof r.url === 'string')
      .map((r) => ({ link: r.url as string, title: strOrNull(r.title) ?? '', snippet: strOrNull(r.content) }));
    return filterByDomain(mapped, s.filterList);
  },
};

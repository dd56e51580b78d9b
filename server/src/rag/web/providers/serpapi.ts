import { listAt, providerJson, strOrNull } from '../provider-http.js';
import { filterByDomain, type SearchProvider } from './types.js';

/** SerpApi: GET {base}/search?engine&q&api_key -> `organic_results[{link, title, snippet, position}]`. */
export const serpapi: SearchProvider = {
  id: 'serpapi',
  label: 'SerpApi',
  missing: (s) => (s.serpapiApiKey ? null : 'No SERPAPI_API_KEY found in environment variables'),
  async search(query, s, signal) {
    const body = await providerJson({
      provider: 'SerpApi',
      url: `${s.baseUrls.serpapi}/search`,
      query: { engine: s.serpapiEngine || 'google', q: query, api_key: s.serpapiApiKey },
      timeoutMs: s.searchTimeoutMs,
      signal,
    });
    const mapped = listAt('SerpApi', body, 'organic_results')
      .sort((a, b) => (Number(a.position) || 0) - (Number(b.position) || 0))
      .filter((r) => typeof r.link === 'string')
      .map((r) => ({ link: r.link as string, title: strOrNull(r.title), snippet: strOrNull(r.snippet) }));
    return filterByDomain(mapped, s.filterList).slice(0, s.count);
  },
};

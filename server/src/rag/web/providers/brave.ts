import { isObj, listAt, providerJson, strOrNull } from '../provider-http.js';
import { filterByDomain, type SearchProvider } from './types.js';

/** Brave Search: GET {base}/res/v1/web/search?q&count, `X-Subscription-Token` -> `web.results[{url, title, description}]`. */
export const brave: SearchProvider = {
  id: 'brave',
  label: 'Brave Search',
  missing: (s) => (s.braveApiKey ? null : 'No BRAVE_SEARCH_API_KEY found in environment variables'),
  async search(query, s, signal) {
    const body = await providerJson({
      provider: 'Brave Search',
      url: `${s.baseUrls.brave}/res/v1/web/search`,
      query: { q: query, count: s.count },
      headers: { accept: 'application/json', 'x-subscription-token': s.braveApiKey },
      timeoutMs: s.searchTimeoutMs,
      signal,
    });
    const web = isObj(body) && isObj(body.web) ? body.web : {};
    const mapped = listAt('Brave Search', web, 'results')
      .filter((r) => typeof r.url === 'string')
      .map((r) => ({ link: r.url as string, title: strOrNull(r.title), snippet: strOrNull(r.description) }));
    return filterByDomain(mapped, s.filterList).slice(0, s.count);
  },
};

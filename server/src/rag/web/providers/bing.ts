import { isObj, listAt, providerJson, strOrNull } from '../provider-http.js';
import { filterByDomain, type SearchProvider } from './types.js';

/** Bing Web Search v7: GET BING_SEARCH_V7_ENDPOINT?q&mkt&count, `Ocp-Apim-Subscription-Key` -> `webPages.value[{url, name, snippet}]`. */
export const bing: SearchProvider = {
  id: 'bing',
  label: 'Bing',
  missing: (s) => (s.bingKey && s.bingEndpoint ? null : 'No BING_SEARCH_V7_SUBSCRIPTION_KEY found in environment variables'),
  async search(query, s, signal) {
    const body = await providerJson({
      provider: 'Bing',
      url: s.bingEndpoint,
      query: { q: query, mkt: s.locale, count: s.count },
      headers: { 'ocp-apim-subscription-key': s.bingKey },
      timeoutMs: s.searchTimeoutMs,
      signal,
    });
    const pages = isObj(body) && isObj(body.webPages) ? body.webPages : {};
    const mapped = listAt('Bing', pages, 'value')
      .filter((r) => typeof r.url === 'string')
      .map((r) => ({ link: r.url as string, title: strOrNull(r.name), snippet: strOrNull(r.snippet) }));
    return filterByDomain(mapped, s.filterList);
  },
};

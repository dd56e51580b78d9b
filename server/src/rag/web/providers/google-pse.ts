import { listAt, providerJson, strOrNull, type Json } from '../provider-http.js';
import { filterByDomain, type SearchProvider } from './types.js';

/**
 * Google Programmable Search: GET {base}/customsearch/v1?cx&q&key&num&start, 10 per page (as the
 * original, pages until `count` results or an empty page) -> `items[{link, title, snippet}]`.
 */
export const googlePse: SearchProvider = {
  id: 'google_pse',
  label: 'Google PSE',
  missing: (s) => (s.googlePseApiKey && s.googlePseEngineId ? null : 'No GOOGLE_PSE_API_KEY or GOOGLE_PSE_ENGINE_ID found in environment variables'),
  async search(query, s, signal) {
    const all: Json[] = [];
    let left = Math.min(s.count, 100);
    let start = 1;
    while (left > 0) {
      const body = await providerJson({
        provider: 'Google PSE',
        url: `${s.baseUrls.googlePse}/customsearch/v1`,
        query: { cx: s.googlePseEngineId, q: query, key: s.googlePseApiKey, num: Math.min(left, 10), start },
        headers: { 'content-type': 'application/json' },
        timeoutMs: s.searchTimeoutMs,
        signal,
      });
      const items = listAt('Google PSE', body, 'items');
      if (!items.length) break;
      all.push(...items);
      left -= items.length;
      start += 10;
    }
    const mapped = all.filter((r) => typeof r.link === 'string').map((r) => ({ link: r.link as string, title: strOrNull(r.title), snippet: strOrNull(r.snippet) }));
    return filterByDomain(mapped, s.filterList);
  },
};

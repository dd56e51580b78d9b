import { listAt, providerJson, strOrNull } from '../provider-http.js';
import { filterByDomain, type SearchProvider } from './types.js';

/** Kagi: GET {base}/api/v0/search?q&limit, `Authorization: Bot <key>` -> `data[{t:0, url, title, snippet}]` (t=1 are related searches). */
export const kagi: SearchProvider = {
  id: 'kagi',
  label: 'Kagi',
  missing: (s) => (s.kagiApiKey ? null : 'No KAGI_SEARCH_API_KEY found in environment variables'),
  async search(query, s, signal) {
    const body = await providerJson({
      provider: 'Kagi',
      url: `${s.baseUrls.kagi}/api/v0/search`,
      query: { q: query, limit: s.count },
      headers: { authorization: `Bot ${s.kagiApiKey}` },
      timeoutMs: s.searchTimeoutMs,
      signal,
    });
    const mapped = listAt('Kagi', body, 'data')
      .filter((r) => r.t === 0 && typeof r.url === 'string')
      .map((r) => ({ link: r.url as string, title: strOrNull(r.title), snippet: strOrNull(r.snippet) }));
    return filterByDomain(mapped, s.filterList);
  },
};

import { listAt, providerJson, strOrNull } from '../provider-http.js';
import { filterByDomain, type SearchProvider } from './types.js';

/**
 * serper.dev: POST {base}/search, `X-API-KEY`, `{q}` -> `organic[{link, title, snippet, position}]`.
 * The original reads `description`; Serper's answers carry `snippet`, so both are read.
 */
export const serper: SearchProvider = {
  id: 'serper',
  label: 'Serper',
  missing: (s) => (s.serperApiKey ? null : 'No SERPER_API_KEY found in environment variables'),
  async search(query, s, signal) {
    const body = await providerJson({
      provider: 'Serper',
      method: 'POST',
      url: `${s.baseUrls.serper}/search`,
      headers: { 'x-api-key': s.serperApiKey },
      json: { q: query },
      timeoutMs: s.searchTimeoutMs,
      signal,
    });
    const mapped = listAt('Serper', body, 'organic')
      .sort((a, b) => (Number(a.position) || 0) - (Number(b.position) || 0))
      .filter((r) => typeof r.link === 'string')
      .map((r) => ({ link: r.link as string, title: strOrNull(r.title), snippet: strOrNull(r.description) ?? strOrNull(r.snippet) }));
    return filterByDomain(mapped, s.filterList).slice(0, s.count);
  },
};

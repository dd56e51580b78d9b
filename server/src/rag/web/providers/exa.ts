import { listAt, providerJson, strOrNull } from '../provider-http.js';
import type { SearchProvider } from './types.js';

/** Exa: POST {base}/search, Bearer key, `{query, numResults, includeDomains, contents, type:auto}` -> `results[{url, title, text}]`. */
export const exa: SearchProvider = {
  id: 'exa',
  label: 'Exa',
  missing: (s) => (s.exaApiKey ? null : 'No EXA_API_KEY found in environment variables'),
  async search(query, s, signal) {
    const body = await providerJson({
      provider: 'Exa',
      method: 'POST',
      url: `${s.baseUrls.exa}/search`,
      headers: { authorization: `Bearer ${s.exaApiKey}` },
      json: { query, numResults: s.count || 5, includeDomains: s.filterList.length ? s.filterList : null, contents: { text: true, highlights: true }, type: 'auto' },
      timeoutMs: s.searchTimeoutMs,
      signal,
    });
    return listAt('Exa', body, 'results')
      .filter((r) => typeof r.url === 'string')
      .map((r) => ({ link: r.url as string, title: strOrNull(r.title), snippet: strOrNull(r.text) }));
  },
};

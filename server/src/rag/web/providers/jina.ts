import { listAt, providerJson, strOrNull } from '../provider-http.js';
import type { SearchProvider } from './types.js';

/** Jina Search: POST {base}/, key as the bare `Authorization`, `{q, count<=10}` -> `data[{url, title, content}]`. */
export const jina: SearchProvider = {
  id: 'jina',
  label: 'Jina',
  missing: (s) => (s.jinaApiKey ? null : 'No JINA_API_KEY found in environment variables'),
  async search(query, s, signal) {
    const body = await providerJson({
      provider: 'Jina',
      method: 'POST',
      url: `${s.baseUrls.jina}/`,
      headers: { accept: 'application/json', authorization: s.jinaApiKey, 'x-retain-images': 'none' },
      json: { q: query, count: Math.min(s.count, 10) },
      timeoutMs: s.searchTimeoutMs,
      signal,
    });
    return listAt('Jina', body, 'data')
      .filter((r) => typeof r.url === 'string')
      .map((r) => ({ link: r.url as string, title: strOrNull(r.title), snippet: strOrNull(r.content) }));
  },
};

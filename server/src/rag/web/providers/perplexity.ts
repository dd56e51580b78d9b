import { isObj, providerJson, ProviderError } from '../provider-http.js';
import { filterByDomain, type SearchProvider } from './types.js';

/**
 * Perplexity's chat completions with web search: the answer's `citations` are the results; the first
 * carries the answer text as its snippet (as the original does).
 */
export const perplexity: SearchProvider = {
  id: 'perplexity',
  label: 'Perplexity',
  missing: (s) => (s.perplexityApiKey ? null : 'No PERPLEXITY_API_KEY found in environment variables'),
  async search(query, s, signal) {
    const body = await providerJson({
      provider: 'Perplexity',
      method: 'POST',
      url: `${s.baseUrls.perplexity}/chat/completions`,
      headers: { authorization: `Bearer ${s.perplexityApiKey}` },
      json: {
        model: s.perplexityModel || 'sonar',
        messages: [
          { role: 'system', content: 'You are a search assistant. Provide factual information with citations.' },
          { role: 'user', content: query },
        ],
        temperature: 0.2,
        stream: false,
        web_search_options: { search_context_usage: s.perplexitySearchContextUsage || 'medium' },
      },
      timeoutMs: s.searchTimeoutMs,
      signal,
    });
    if (!isObj(body)) throw new ProviderError('garbage', 'Perplexity sent an answer that is not an object');
    const citations = Array.isArray(body.citations) ? body.citations.filter((c): c is string => typeof c === 'string') : [];
    const choices = Array.isArray(body.choices) ? body.choices : [];
    const first = isObj(choices[0]) && isObj(choices[0].message) && typeof choices[0].message.content === 'string' ? choices[0].message.content : '';
    const mapped = citations.slice(0, s.count).map((link, i) => ({ link, title: `Source ${i + 1}`, snippet: i === 0 ? first : '' }));
    return filterByDomain(mapped, s.filterList).slice(0, s.count);
  },
};

import type { WebSettings } from '../settings.js';

/** One search hit, as the original's SearchResult. */
export interface SearchResult {
  link: string;
  title: string | null;
  snippet: string | null;
}

export interface SearchProvider {
  /** WEB_SEARCH_ENGINE value. */
  id: string;
  /** Shown in messages. */
  label: string;
  /** What is missing for this engine to work, or null when configured. */
  missing(s: WebSettings): string | null;
  search(query: string, s: WebSettings, signal?: AbortSignal): Promise<SearchResult[]>;
}

/**
 * The original's get_filtered_results: keep the results whose host ends with one of the listed domains
 * (an empty list keeps all; a result without a valid URL is dropped when the list is set).
 */
export function filterByDomain<T extends { link: string }>(results: T[], filterList: string[]): T[] {
  if (!filterList.length) return results;
  return results.filter((r) => {
    let host: string;
    try {
      const u = new URL(r.link);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
      host = u.host;
    } catch {
      return false;
    }
    return filterList.some((d) => host.endsWith(d));
  });
}

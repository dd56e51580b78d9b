import { bing } from './bing.js';
import { brave } from './brave.js';
import { exa } from './exa.js';
import { googlePse } from './google-pse.js';
import { jina } from './jina.js';
import { kagi } from './kagi.js';
import { perplexity } from './perplexity.js';
import { searxng } from './searxng.js';
import { serpapi } from './serpapi.js';
import { serper } from './serper.js';
import { tavily } from './tavily.js';
import type { SearchProvider } from './types.js';

export type { SearchProvider, SearchResult } from './types.js';

/**
 * The engines this build speaks, by WEB_SEARCH_ENGINE value. DuckDuckGo is not among them: it has no
 * search API (the original scrapes its HTML pages through the `ddgs` package), see docs/configuration.md.
 */
export const PROVIDERS: ReadonlyMap<string, SearchProvider> = new Map(
  [searxng, tavily, perplexity, serper, serpapi, brave, googlePse, jina, exa, kagi, bing].map((p) => [p.id, p]),
);

import type { ModelItem } from '../api/types';

/**
 * Models a chat can use. Embedding-only models (nomic-embed, bge, text-embedding-3, ...) answer
 * "does not support chat", so they are never offered in the picker or picked as a default.
 */
const EMBED_NAME = /(^|[^a-z])(embed|embedding|bge|e5-|gte-|minilm)/i;
const EMBED_FAMILY = new Set(['bert', 'nomic-bert', 'xlm-roberta', 'jina-bert-v2']);

export function isChatModel(m: ModelItem): boolean {
  const caps = (m.info as { meta?: { capabilities?: Record<string, unknown> } } | null | undefined)?.meta?.capabilities;
  if (caps && caps.embedding === true && caps.completion === false) return false;
  const details = (m.ollama as { details?: { family?: string; families?: string[] | null } } | undefined)?.details;
  const families = [details?.family, ...(details?.families ?? [])].filter(Boolean) as string[];
  if (families.length && families.every((f) => EMBED_FAMILY.has(f.toLowerCase()))) return false;
  return !EMBED_NAME.test(m.id) && !EMBED_NAME.test(m.name ?? '');
}

/** What the picker shows besides the name (from a workspace model's `info.meta`, when present). */
export function modelMeta(m: ModelItem): { image: string | null; description: string | null; tags: string[] } {
  const meta = (m.info as { meta?: { profile_image_url?: unknown; description?: unknown; tags?: unknown } } | null | undefined)?.meta;
  const tags = [...(m.tags ?? []), ...(Array.isArray(meta?.tags) ? (meta.tags as Array<{ name?: unknown }>) : [])]
    .map((t) => (typeof t?.name === 'string' ? t.name : ''))
    .filter(Boolean);
  return {
    image: typeof meta?.profile_image_url === 'string' && meta.profile_image_url ? meta.profile_image_url : null,
    description: typeof meta?.description === 'string' && meta.description ? meta.description : null,
    tags: [...new Set(tags)],
  };
}

const LAST_KEY = 'selectedModels';

/** The user's last choice of models, kept across New Chat and reloads (like the original's `selectedModels`). */
export function lastModels(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(LAST_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberModels(ids: string[]): void {
  try {
    localStorage.setItem(LAST_KEY, JSON.stringify(ids));
  } catch {
    /* private mode */
  }
}

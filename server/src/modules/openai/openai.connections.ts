import type { PersistentConfig } from '../../config/persistent.js';
import { getOwn } from '../../security/own-keys.js';

/** One OpenAI-compatible server: OPENAI_API_BASE_URLS[idx] + OPENAI_API_KEYS[idx] + OPENAI_API_CONFIGS[idx]. */
export interface OpenAIConnection {
  idx: number;
  url: string;
  key: string;
  enable: boolean;
  prefixId: string;
  modelIds: string[];
  tags: unknown[];
  connectionType: string;
  azure: boolean;
  apiVersion: string;
}

export const OPENAI_HOST = 'https://api.openai.com/v1';
const AZURE_DEFAULT_API_VERSION = '2023-03-15-preview';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function connectionFrom(idx: number, rawUrl: string, key: string, c: Record<string, unknown>): OpenAIConnection {
  return {
    idx,
    url: rawUrl.replace(/\/+$/, ''),
    key,
    enable: c.enable !== false,
    prefixId: str(c.prefix_id),
    modelIds: Array.isArray(c.model_ids) ? c.model_ids.filter((m): m is string => typeof m === 'string') : [],
    tags: Array.isArray(c.tags) ? c.tags : [],
    connectionType: str(c.connection_type) || 'external',
    azure: c.azure === true,
    apiVersion: str(c.api_version) || AZURE_DEFAULT_API_VERSION,
  };
}

/** Live settings; keys are padded to the URL count; configs keyed by index or (older installs) by URL. */
export function readConnections(settings: PersistentConfig): OpenAIConnection[] {
  const urls = settings.get('OPENAI_API_BASE_URLS');
  const keys = settings.get('OPENAI_API_KEYS');
  const configs = settings.get('OPENAI_API_CONFIGS');
  return urls.map((url, idx) => connectionFrom(idx, url, keys[idx] ?? '', (getOwn(configs, String(idx)) ?? getOwn(configs, url) ?? {}) as Record<string, unknown>));
}

export function stripPrefix(id: string, conn: OpenAIConnection): string {
  return conn.prefixId && id.startsWith(`${conn.prefixId}.`) ? id.slice(conn.prefixId.length + 1) : id;
}

export function isOpenAIHost(conn: OpenAIConnection): boolean {
  return conn.url.startsWith('https://api.openai.com');
}

/** URL and auth headers for a call; Azure uses its deployment URLs, `api-version` and `api-key`. */
export function target(conn: OpenAIConnection, path: string, model?: string): { url: string; key: string | null; headers: Record<string, string> } {
  if (conn.azure) {
    const sep = path.includes('?') ? '&' : '?';
    const version = `${sep}api-version=${encodeURIComponent(conn.apiVersion)}`;
    const url =
      model && path !== '/models'
        ? `${conn.url}/openai/deployments/${encodeURIComponent(model)}${path}${version}`
        : `${conn.url}/openai${path}${version}`;
    return { url, key: null, headers: conn.key ? { 'api-key': conn.key } : {} };
  }
  const headers: Record<string, string> = {};
  if (conn.url.includes('openrouter.ai')) {
    headers['HTTP-Referer'] = 'https://openwebui.com/';
    headers['X-Title'] = 'Open WebUI';
  }
  return { url: conn.url + path, key: conn.key || null, headers };
}

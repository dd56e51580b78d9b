import type { PersistentConfig } from '../../config/persistent.js';
import { getOwn } from '../../security/own-keys.js';

/** One Ollama server as configured: OLLAMA_BASE_URLS[idx] plus OLLAMA_API_CONFIGS[idx]. */
export interface OllamaConnection {
  idx: number;
  url: string;
  enable: boolean;
  key: string;
  prefixId: string;
  modelIds: string[];
  tags: unknown[];
  connectionType: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Reads the live settings; configs are keyed by index, or (older installs) by the URL itself. */
export function readConnections(settings: PersistentConfig): OllamaConnection[] {
  const urls = settings.get('OLLAMA_BASE_URLS');
  const configs = settings.get('OLLAMA_API_CONFIGS');
  return urls.map((raw, idx) => {
    const url = raw.replace(/\/+$/, '');
    const c = (getOwn(configs, String(idx)) ?? getOwn(configs, url) ?? {}) as Record<string, unknown>;
    return {
      idx,
      url,
      enable: c.enable !== false,
      key: str(c.key),
      prefixId: str(c.prefix_id),
      modelIds: Array.isArray(c.model_ids) ? c.model_ids.filter((m): m is string => typeof m === 'string') : [],
      tags: Array.isArray(c.tags) ? c.tags : [],
      connectionType: str(c.connection_type) || 'local',
    };
  });
}

/** Ollama's implicit tag: `llama3` and `llama3:latest` are the same model. */
export function withTag(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

/** The name the upstream knows: our outward `prefix.model` minus the connection's prefix. */
export function stripPrefix(name: string, conn: OllamaConnection): string {
  return conn.prefixId && name.startsWith(`${conn.prefixId}.`) ? name.slice(conn.prefixId.length + 1) : name;
}

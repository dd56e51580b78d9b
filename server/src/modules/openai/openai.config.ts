import type { OpenAIConfig } from '@owui/contracts';
import type { PersistentConfig } from '../../config/persistent.js';

export function readOpenAIConfig(settings: PersistentConfig): OpenAIConfig {
  return {
    ENABLE_OPENAI_API: settings.get('ENABLE_OPENAI_API'),
    OPENAI_API_BASE_URLS: settings.get('OPENAI_API_BASE_URLS'),
    OPENAI_API_KEYS: settings.get('OPENAI_API_KEYS'),
    OPENAI_API_CONFIGS: settings.get('OPENAI_API_CONFIGS') as OpenAIConfig['OPENAI_API_CONFIGS'],
  };
}

/**
 * Saves a connection form the way the original does: keys cut or padded with "" to the URL count,
 * configs whose index key is not a current URL index dropped. Trailing slashes are removed from URLs
 * so `<url>/models` never becomes `//models`.
 */
export async function updateOpenAIConfig(settings: PersistentConfig, form: OpenAIConfig): Promise<OpenAIConfig> {
  const urls = form.OPENAI_API_BASE_URLS.map((u) => u.trim().replace(/\/+$/, ''));
  const keys = urls.map((_, i) => form.OPENAI_API_KEYS[i] ?? '');
  const valid = new Set(urls.map((_, i) => String(i)));
  const configs = Object.fromEntries(Object.entries(form.OPENAI_API_CONFIGS).filter(([k]) => valid.has(k)));
  await settings.set({
    ...(typeof form.ENABLE_OPENAI_API === 'boolean' ? { ENABLE_OPENAI_API: form.ENABLE_OPENAI_API } : {}),
    OPENAI_API_BASE_URLS: urls,
    OPENAI_API_KEYS: keys,
    OPENAI_API_CONFIGS: configs,
  });
  return readOpenAIConfig(settings);
}

import { OPEN_WEBUI_CHAT_FIELDS } from '@owui/contracts';

/**
 * The body as an upstream should see it: Open WebUI's own fields (chat ids, socket session, files,
 * tools, features, params, ...) removed. Those steer our server; an upstream would reject or ignore them.
 */
export function stripOpenWebUIFields<T extends Record<string, unknown>>(body: T): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  for (const key of OPEN_WEBUI_CHAT_FIELDS) delete out[key];
  return out;
}
